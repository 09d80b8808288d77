import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NotificationStack } from '../lib/stack.ts';

const app = new App();

// Environment-agnostic: no lookups are needed, so one template deploys to any account and region.
new NotificationStack(app, 'TwilioNotifications', {
  twilioFromNumber: app.node.tryGetContext('twilioFromNumber'),
  publicBaseUrl: app.node.tryGetContext('publicBaseUrl'),
});

Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
