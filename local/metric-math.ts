/**
 * The subset of CloudWatch metric math the app's alarms use (the error-rate alarm's
 * `IF(invocations > 0, 100 * errors / invocations, 0)` over sums of per-function metrics), evaluated
 * for one period at a time: every identifier stands for one number, or undefined when that query
 * has no datapoint in the period. Anything outside the subset is an error, not a silent zero, so an
 * alarm the local environment cannot evaluate is noticed.
 */

type BinaryOperator = '+' | '-' | '*' | '/' | '>' | '>=' | '<' | '<=' | '==' | '!=' | 'AND' | 'OR';

type Node =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'identifier'; readonly name: string }
  | { readonly kind: 'negate'; readonly operand: Node }
  | { readonly kind: 'binary'; readonly operator: BinaryOperator; readonly left: Node; readonly right: Node }
  | { readonly kind: 'if'; readonly condition: Node; readonly then: Node; readonly otherwise?: Node }
  | { readonly kind: 'fill'; readonly operand: Node; readonly fallback: Node };

type Token =
  | { readonly type: 'number'; readonly value: number; readonly position: number }
  | { readonly type: 'name'; readonly text: string; readonly position: number }
  | { readonly type: 'symbol'; readonly text: string; readonly position: number }
  | { readonly type: 'end'; readonly position: number };

/** A parsed expression: parse once, evaluate for every period. */
export interface CompiledExpression {
  readonly expression: string;
  /** The ids of the queries the expression reads, each once, in order of first use. */
  readonly identifiers: readonly string[];
  /**
   * The expression's value over named scalar values (CloudWatch metric math): numbers,
   * identifiers (ids of other queries), + - * /, unary minus, parentheses, the comparisons
   * > >= < <= == != (true = 1, false = 0), AND/OR (also && and ||; any case), FILL(m, value) and
   * IF(cond, a, b) (IF(cond, a) is undefined when cond is false); function names in any case.
   * Division by zero gives undefined (no datapoint), as does an identifier whose value is
   * undefined, except in the branch of IF that is not taken. Throws an Error naming the
   * expression and the problem for an unknown identifier.
   */
  evaluate(values: Readonly<Record<string, number | undefined>>): number | undefined;
}

const FUNCTIONS = ['IF', 'FILL'];
/** Longest first, so `>=` is not read as `>` then `=`. */
const SYMBOLS = ['>=', '<=', '==', '!=', '&&', '||', '>', '<', '+', '-', '*', '/', '(', ')', ','];
const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const COMPARISONS: readonly BinaryOperator[] = ['>', '>=', '<', '<=', '==', '!='];

/** Parses `expression` once, throwing an Error naming it and the problem on a syntax error or an unknown function. */
export function compileExpression(expression: string): CompiledExpression {
  const root = new Parser(expression, tokenize(expression)).parse();
  const identifiers = [...new Set(identifiersOf(root))];
  return {
    expression,
    identifiers,
    evaluate(values) {
      // Checked before evaluating, so a typo in a branch IF skips today is still reported.
      const unknown = identifiers.filter((id) => !Object.hasOwn(values, id));
      if (unknown.length > 0) {
        const known = Object.keys(values).join(', ') || 'none';
        throw expressionError(expression, `unknown identifier(s) ${unknown.join(', ')}; the ids it can use are: ${known}`);
      }
      return evaluateNode(root, values);
    },
  };
}

function expressionError(expression: string, problem: string): Error {
  return new Error(`Metric math expression "${expression}": ${problem}`);
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < expression.length) {
    const rest = expression.slice(position);
    const space = /^\s+/.exec(rest);
    if (space) {
      position += space[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ type: 'number', value: Number(number[0]), position });
      position += number[0].length;
      continue;
    }
    const name = NAME.exec(rest);
    if (name) {
      tokens.push({ type: 'name', text: name[0], position });
      position += name[0].length;
      continue;
    }
    const symbol = SYMBOLS.find((candidate) => rest.startsWith(candidate));
    if (!symbol) throw expressionError(expression, `unexpected character '${rest[0]}' at position ${position}`);
    tokens.push({ type: 'symbol', text: symbol, position });
    position += symbol.length;
  }
  tokens.push({ type: 'end', position });
  return tokens;
}

/**
 * Recursive descent, loosest binding first: OR, AND, comparisons, + -, * /, unary minus, then
 * numbers, identifiers, function calls and parentheses.
 */
class Parser {
  private index = 0;

  constructor(private readonly expression: string, private readonly tokens: readonly Token[]) {}

  parse(): Node {
    const node = this.or();
    const next = this.peek();
    if (next.type !== 'end') throw this.unexpected(next);
    return node;
  }

  private or(): Node {
    let node = this.and();
    while (this.takeOperator('OR', '||')) node = { kind: 'binary', operator: 'OR', left: node, right: this.and() };
    return node;
  }

  private and(): Node {
    let node = this.comparison();
    while (this.takeOperator('AND', '&&')) node = { kind: 'binary', operator: 'AND', left: node, right: this.comparison() };
    return node;
  }

  private comparison(): Node {
    let node = this.additive();
    for (let operator = this.takeSymbol(COMPARISONS); operator; operator = this.takeSymbol(COMPARISONS)) {
      node = { kind: 'binary', operator, left: node, right: this.additive() };
    }
    return node;
  }

  private additive(): Node {
    let node = this.multiplicative();
    for (let operator = this.takeSymbol(['+', '-']); operator; operator = this.takeSymbol(['+', '-'])) {
      node = { kind: 'binary', operator, left: node, right: this.multiplicative() };
    }
    return node;
  }

  private multiplicative(): Node {
    let node = this.unary();
    for (let operator = this.takeSymbol(['*', '/']); operator; operator = this.takeSymbol(['*', '/'])) {
      node = { kind: 'binary', operator, left: node, right: this.unary() };
    }
    return node;
  }

  private unary(): Node {
    return this.takeSymbol(['-']) ? { kind: 'negate', operand: this.unary() } : this.primary();
  }

  private primary(): Node {
    const token = this.next();
    if (token.type === 'number') return { kind: 'number', value: token.value };
    if (token.type === 'symbol' && token.text === '(') {
      const node = this.or();
      this.expect(')');
      return node;
    }
    if (token.type === 'name' && !isKeyword(token.text)) {
      if (!this.takeSymbol(['('])) return { kind: 'identifier', name: token.text };
      return this.call(token);
    }
    throw this.unexpected(token);
  }

  private call(name: Token & { type: 'name' }): Node {
    const functionName = name.text.toUpperCase();
    if (!FUNCTIONS.includes(functionName)) {
      throw expressionError(this.expression, `unknown function ${name.text} at position ${name.position} (supported: ${FUNCTIONS.join(', ')})`);
    }
    const args = [this.or()];
    while (this.takeSymbol([','])) args.push(this.or());
    this.expect(')');
    if (functionName === 'FILL') {
      if (args.length !== 2) throw expressionError(this.expression, `FILL at position ${name.position} takes 2 arguments (metric, value for missing datapoints), not ${args.length}`);
      return { kind: 'fill', operand: args[0], fallback: args[1] };
    }
    if (args.length < 2 || args.length > 3) {
      throw expressionError(this.expression, `IF at position ${name.position} takes 2 or 3 arguments (condition, value if true[, value if false]), not ${args.length}`);
    }
    const [condition, then, otherwise] = args;
    return { kind: 'if', condition, then, otherwise };
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private next(): Token {
    const token = this.tokens[this.index];
    if (token.type !== 'end') this.index++;
    return token;
  }

  private takeSymbol<T extends string>(symbols: readonly T[]): T | undefined {
    const token = this.peek();
    if (token.type !== 'symbol' || !symbols.includes(token.text as T)) return undefined;
    this.index++;
    return token.text as T;
  }

  /** A logical operator, as a keyword in any case or as its symbol. */
  private takeOperator(keyword: string, symbol: string): boolean {
    const token = this.peek();
    const matches = (token.type === 'name' && token.text.toUpperCase() === keyword) || (token.type === 'symbol' && token.text === symbol);
    if (matches) this.index++;
    return matches;
  }

  private expect(symbol: string): void {
    const token = this.next();
    if (token.type !== 'symbol' || token.text !== symbol) throw this.unexpected(token, `'${symbol}'`);
  }

  private unexpected(token: Token, expected?: string): Error {
    const found = token.type === 'end' ? 'end of expression'
      : token.type === 'number' ? `number ${token.value}`
        : `'${token.text}'`;
    const wanted = expected ? `expected ${expected} but found` : 'unexpected';
    return expressionError(this.expression, `${wanted} ${found} at position ${token.position}`);
  }
}

function isKeyword(name: string): boolean {
  return ['AND', 'OR'].includes(name.toUpperCase());
}

function identifiersOf(node: Node): string[] {
  switch (node.kind) {
    case 'number': return [];
    case 'identifier': return [node.name];
    case 'negate': return identifiersOf(node.operand);
    case 'binary': return [...identifiersOf(node.left), ...identifiersOf(node.right)];
    case 'if': return [node.condition, node.then, ...(node.otherwise ? [node.otherwise] : [])].flatMap(identifiersOf);
    case 'fill': return [...identifiersOf(node.operand), ...identifiersOf(node.fallback)];
  }
}

function evaluateNode(node: Node, values: Readonly<Record<string, number | undefined>>): number | undefined {
  switch (node.kind) {
    case 'number': return node.value;
    case 'identifier': return values[node.name];
    case 'negate': {
      const operand = evaluateNode(node.operand, values);
      return operand === undefined ? undefined : -operand;
    }
    case 'binary': {
      const left = evaluateNode(node.left, values);
      const right = evaluateNode(node.right, values);
      return left === undefined || right === undefined ? undefined : applyOperator(node.operator, left, right);
    }
    case 'if': {
      const condition = evaluateNode(node.condition, values);
      if (condition === undefined) return undefined;
      if (condition !== 0) return evaluateNode(node.then, values);
      return node.otherwise ? evaluateNode(node.otherwise, values) : undefined;
    }
    case 'fill': return evaluateNode(node.operand, values) ?? evaluateNode(node.fallback, values);
  }
}

function applyOperator(operator: BinaryOperator, left: number, right: number): number | undefined {
  switch (operator) {
    case '+': return left + right;
    case '-': return left - right;
    case '*': return left * right;
    case '/': return right === 0 ? undefined : left / right;
    case '>': return Number(left > right);
    case '>=': return Number(left >= right);
    case '<': return Number(left < right);
    case '<=': return Number(left <= right);
    case '==': return Number(left === right);
    case '!=': return Number(left !== right);
    case 'AND': return Number(left !== 0 && right !== 0);
    case 'OR': return Number(left !== 0 || right !== 0);
  }
}
