import { App } from 'aws-cdk-lib';
import { buildApp } from '../pipeline/app';
import { CONTEXT_KEY, ConfigError, parseConfig } from '../lib/config';
import { formatFindings, nagFindings } from '../lib/nag';

const app = new App();
try {
  buildApp(app, parseConfig(app.node.tryGetContext(CONTEXT_KEY)), {
    directDeployRegion: app.node.tryGetContext('directDeployRegion'),
  });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
app.synth();

const findings = nagFindings(app);
if (findings.length > 0) {
  console.error(formatFindings(findings));
  process.exit(1);
}
