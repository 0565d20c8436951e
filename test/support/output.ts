/** Everything the code under test writes to stdout/stderr, where Powertools sends logs and metrics. */
export function captureOutput(): () => string {
  const chunks: string[] = [];
  const collect = ((chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  jest.spyOn(process.stdout, 'write').mockImplementation(collect);
  jest.spyOn(process.stderr, 'write').mockImplementation(collect);
  return () => chunks.join('');
}

/** Names of the CloudWatch metrics (EMF lines) in captured output. */
export function metricNames(output: string): string[] {
  return output.split('\n').filter((line) => line.includes('"_aws"')).flatMap((line) =>
    JSON.parse(line)._aws.CloudWatchMetrics.flatMap((directive: any) => directive.Metrics.map((metric: any) => metric.Name)));
}
