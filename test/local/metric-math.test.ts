import { compileExpression } from '../../local/metric-math';

const evaluateExpression = (expression: string, values: Readonly<Record<string, number | undefined>>) => compileExpression(expression).evaluate(values);

/** The expression of the app's error-rate alarm (stages/ monitoring stack). */
const ERROR_RATE = 'IF(invocations > 0, 100 * errors / invocations, 0)';

describe('evaluateExpression', () => {
  test.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['12 / 4 / 3', 1],
    ['-2 * -3', 6],
    ['- (1 + 2)', -3],
    ['2.5e1 + .5', 25.5],
    ['3 > 2', 1],
    ['3 >= 3', 1],
    ['3 < 2', 0],
    ['2 <= 1', 0],
    ['2 == 2', 1],
    ['2 != 2', 0],
    ['1 + 1 > 1', 1],
    ['1 AND 0', 0],
    ['1 and 2', 1],
    ['0 OR 0', 0],
    ['0 || 3', 1],
    ['1 && 1', 1],
    ['0 OR 1 AND 0', 0],
    ['IF(1, 10, 20)', 10],
    ['IF(0.5, 10, 20)', 10],
    ['if(0, 10, 20)', 20],
    ['If(2 > 1, 10)', 10],
  ])('%s = %d', (expression, expected) => {
    expect(evaluateExpression(expression, {})).toBe(expected);
  });

  test('the app\'s error rate: percent of invocations that failed, 0 without invocations', () => {
    expect(evaluateExpression(ERROR_RATE, { invocations: 40, errors: 3 })).toBe(7.5);
    expect(evaluateExpression(ERROR_RATE, { invocations: 0, errors: 0 })).toBe(0);
  });

  test('an identifier without a value makes the result missing, except in the branch IF does not take', () => {
    expect(evaluateExpression('a + b', { a: 1, b: undefined })).toBeUndefined();
    expect(evaluateExpression(ERROR_RATE, { invocations: undefined, errors: 1 })).toBeUndefined();
    expect(evaluateExpression(ERROR_RATE, { invocations: 0, errors: undefined })).toBe(0);
    expect(evaluateExpression('IF(a > 0, b, 5)', { a: 1, b: undefined })).toBeUndefined();
  });

  test('FILL gives a missing datapoint a value, so a sum over functions that did not run still has one', () => {
    expect(evaluateExpression('FILL(a, 0) + FILL(b, 0)', { a: 2, b: undefined })).toBe(2);
    expect(evaluateExpression('FILL(a, 0) + FILL(b, 0)', { a: undefined, b: undefined })).toBe(0);
    expect(evaluateExpression('fill(a, b * 2)', { a: undefined, b: 4 })).toBe(8);
    expect(evaluateExpression('FILL(a, 0)', { a: 5 })).toBe(5);
  });

  test('division by zero gives no datapoint', () => {
    expect(evaluateExpression('errors / invocations', { errors: 1, invocations: 0 })).toBeUndefined();
    expect(evaluateExpression('1 + 1 / 0', {})).toBeUndefined();
  });

  test('IF without an else branch has no value when the condition is false', () => {
    expect(evaluateExpression('IF(a > 5, a)', { a: 3 })).toBeUndefined();
    expect(evaluateExpression('IF(a > 5, a)', { a: 6 })).toBe(6);
  });

  test('an unknown identifier is an error naming it and the expression, even in a branch not taken', () => {
    expect(() => evaluateExpression('IF(a > 0, a, typo)', { a: 1 })).toThrow(/"IF\(a > 0, a, typo\)".*unknown identifier\(s\) typo.*a/);
  });

  test.each([
    ['SUM(a)', /unknown function SUM/],
    ['FILL(a)', /FILL .* takes 2 arguments/],
    ['1 +', /unexpected end of expression at position 3/],
    ['(1 + 2', /expected '\)' but found end of expression/],
    ['1 2', /unexpected number 2 at position 2/],
    ['a $ b', /unexpected character '\$' at position 2/],
    ['IF(1)', /IF .* takes 2 or 3 arguments/],
    ['IF(1, 2, 3, 4)', /takes 2 or 3 arguments/],
    ['1 AND', /unexpected end of expression/],
    ['', /unexpected end of expression at position 0/],
  ])('%s is a syntax error', (expression, problem) => {
    expect(() => evaluateExpression(expression, { a: 1, b: 2 })).toThrow(problem);
    expect(() => evaluateExpression(expression, { a: 1, b: 2 })).toThrow(`Metric math expression "${expression}"`);
  });
});

describe('compileExpression', () => {
  test('lists the ids an expression reads, each once, so callers can resolve them first', () => {
    expect(compileExpression(ERROR_RATE).identifiers).toEqual(['invocations', 'errors']);
    expect(compileExpression('e0 + e1 + e0').identifiers).toEqual(['e0', 'e1']);
    expect(compileExpression('IF(1, 2, 3)').identifiers).toEqual([]);
  });

  test('a compiled expression evaluates for many sets of values', () => {
    const errorRate = compileExpression(ERROR_RATE);

    expect(errorRate.evaluate({ invocations: 10, errors: 1 })).toBe(10);
    expect(errorRate.evaluate({ invocations: 10, errors: 5 })).toBe(50);
  });
});
