import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { NotificationStack } from '../../lib/stack.ts';

/**
 * The resources that hold data, or whose address someone outside the stack keeps (the API's and
 * the webhooks' URLs, the console's domain, the app clients' ids). CloudFormation replaces a
 * resource whose logical id changes: a retained table, bucket or log group would be orphaned and
 * an empty one created, a queue would lose its messages, a URL given to Twilio would stop working.
 */
const statefulTypes = [
  'AWS::ApiGatewayV2::Api',
  'AWS::ApiGatewayV2::Stage',
  'AWS::CloudFront::Distribution',
  'AWS::Cognito::UserPool',
  'AWS::Cognito::UserPoolClient',
  'AWS::Cognito::UserPoolDomain',
  'AWS::DynamoDB::Table',
  'AWS::Lambda::Url',
  'AWS::Logs::LogGroup',
  'AWS::S3::Bucket',
  'AWS::SNS::Topic',
  'AWS::SQS::Queue',
  'AWS::SecretsManager::Secret',
];

/**
 * `<type> <logical id>` of every such resource as deployed. A refactoring of the stack must leave
 * each one in place; a new resource of these types is added here when it is introduced.
 */
const pinned = [
  'AWS::ApiGatewayV2::Api HttpApiF5A9A8A7',
  'AWS::ApiGatewayV2::Stage HttpApiDefaultStage3EEB07D6',
  'AWS::CloudFront::Distribution ConsoleDistribution022D3262',
  'AWS::Cognito::UserPool UserPool6BA7E5F2',
  'AWS::Cognito::UserPoolClient UserPoolConsoleClient39A5364B',
  'AWS::Cognito::UserPoolClient UserPoolWebClient4C9370B0',
  'AWS::Cognito::UserPoolDomain UserPoolConsoleSignIn96F7BC8C',
  'AWS::DynamoDB::Table FileMetadataC7F172FD',
  'AWS::DynamoDB::Table MessageTemplatesC5D46987',
  'AWS::DynamoDB::Table Messages804FA4EB',
  'AWS::DynamoDB::Table MessagingState664ECA30',
  'AWS::DynamoDB::Table NotificationLogA30FC3EC',
  'AWS::DynamoDB::Table NotificationRules00D0740C',
  'AWS::DynamoDB::Table Voice6D359348',
  'AWS::Lambda::Url TwilioIncomingFunctionFunctionUrl22303A05',
  'AWS::Lambda::Url TwilioStatusFunctionFunctionUrlEDE1BE78',
  'AWS::Lambda::Url TwilioVoiceFunctionFunctionUrlF02E450B',
  'AWS::Logs::LogGroup AttachMessageMediaLogs9830AC5A',
  'AWS::Logs::LogGroup AttachUploadedMediaLogs2EEC68F6',
  'AWS::Logs::LogGroup CancelNotificationLogs06DC78B6',
  'AWS::Logs::LogGroup CreateLineLogs32A1B21E',
  'AWS::Logs::LogGroup CreateMediaUploadLogs6E7A22FF',
  'AWS::Logs::LogGroup CreateMessageLogs8F060397',
  'AWS::Logs::LogGroup CreateNotificationLogs056EC224',
  'AWS::Logs::LogGroup CreateNotificationsBatchLogsF3C82C27',
  'AWS::Logs::LogGroup CreateRuleLogs864844C1',
  'AWS::Logs::LogGroup CreateTemplateLogs9D08DAAD',
  'AWS::Logs::LogGroup CreateUploadLogs6C1FD3A0',
  'AWS::Logs::LogGroup DeleteLineLogsA0451491',
  'AWS::Logs::LogGroup DeleteRuleLogsDB99B1B8',
  'AWS::Logs::LogGroup DeleteTemplateLogsA3FCCC3A',
  'AWS::Logs::LogGroup GetCallLogsF45556A5',
  'AWS::Logs::LogGroup GetConversationLogs97BDE84C',
  'AWS::Logs::LogGroup GetFileLogsDB2BDDB2',
  'AWS::Logs::LogGroup GetLineLogs0BDAAEAF',
  'AWS::Logs::LogGroup GetMessageLogs96C12006',
  'AWS::Logs::LogGroup GetMetricsLogs6C2597F6',
  'AWS::Logs::LogGroup GetNotificationLogs48436E62',
  'AWS::Logs::LogGroup GetOptOutLogs1EE0C8CE',
  'AWS::Logs::LogGroup GetRuleLogs9FA4A540',
  'AWS::Logs::LogGroup GetSettingsLogs880195F6',
  'AWS::Logs::LogGroup GetTemplateLogsA9A03F5E',
  'AWS::Logs::LogGroup HttpApiAccessLogs4B419BF6',
  'AWS::Logs::LogGroup ListCallsLogsA2A52D8E',
  'AWS::Logs::LogGroup ListConversationsLogsF611AE5F',
  'AWS::Logs::LogGroup ListFilesLogs60BC7CEE',
  'AWS::Logs::LogGroup ListLinesLogs7B17230B',
  'AWS::Logs::LogGroup ListMessageMediaLogsA22DF3C7',
  'AWS::Logs::LogGroup ListMessagesLogsC479EFD5',
  'AWS::Logs::LogGroup ListNotificationsLogs0E75FFC4',
  'AWS::Logs::LogGroup ListRulesLogs657C450D',
  'AWS::Logs::LogGroup ListTemplatesLogsD9E22B27',
  'AWS::Logs::LogGroup LongpollNotificationsLogsF532C32E',
  'AWS::Logs::LogGroup MessageProcessorLogs93C84678',
  'AWS::Logs::LogGroup PutOptOutLogs481D5914',
  'AWS::Logs::LogGroup PutSettingsLogs3CD54286',
  'AWS::Logs::LogGroup ReconcileStatusesLogs7818E36E',
  'AWS::Logs::LogGroup ReplyConversationLogs4B76D4D5',
  'AWS::Logs::LogGroup RescheduleNotificationLogs93FCC5C0',
  'AWS::Logs::LogGroup RuleMatcherLogs2C212B65',
  'AWS::Logs::LogGroup SweepScheduledSendsLogsF51ECF03',
  'AWS::Logs::LogGroup TwilioIncomingLogs929EA59C',
  'AWS::Logs::LogGroup TwilioSenderLogs1B55B3DF',
  'AWS::Logs::LogGroup TwilioStatusDeferredLogs45BAA883',
  'AWS::Logs::LogGroup TwilioStatusLogsAED7525A',
  'AWS::Logs::LogGroup TwilioVoiceLogs06B9C15B',
  'AWS::Logs::LogGroup UpdateConversationLogs8640FED2',
  'AWS::Logs::LogGroup UpdateLineLogs7124DA43',
  'AWS::Logs::LogGroup UpdateRuleLogsA274E25B',
  'AWS::Logs::LogGroup UpdateTemplateLogs5987C023',
  'AWS::Logs::LogGroup VoiceWorkerLogsBF021AF0',
  'AWS::S3::Bucket AccessLogsBucket83982689',
  'AWS::S3::Bucket ConsoleBucket86B6957C',
  'AWS::S3::Bucket UploadBucketD2C1DA78',
  'AWS::SNS::Topic AlarmTopicD01E77F9',
  'AWS::SQS::Queue HandoffEventsQueue76C500E0',
  'AWS::SQS::Queue IngestQueue88A12394',
  'AWS::SQS::Queue IngestQueueDeadLetterQueue769A6620',
  'AWS::SQS::Queue MediaUploadQueue465BE093',
  'AWS::SQS::Queue MediaUploadQueueDeadLetterQueue2F6A256F',
  'AWS::SQS::Queue NotificationQueue9098CA41',
  'AWS::SQS::Queue NotificationQueueDeadLetterQueueC19F5598',
  'AWS::SQS::Queue PriorityQueueD2757702',
  'AWS::SQS::Queue PriorityQueueDeadLetterQueue7FA3D37B',
  'AWS::SQS::Queue StatusCallbackQueue56701096',
  'AWS::SQS::Queue StatusCallbackQueueDeadLetterQueue81F23986',
  'AWS::SQS::Queue UploadQueue2732A260',
  'AWS::SQS::Queue UploadQueueDeadLetterQueueD8224227',
  'AWS::SQS::Queue VoiceQueue5DCCA5C6',
  'AWS::SQS::Queue VoiceQueueDeadLetterQueueC0EBCB45',
  'AWS::SecretsManager::Secret CursorSigningKey255C5A33',
  'AWS::SecretsManager::Secret HandoffSigningKeyAE3BE0CB',
  'AWS::SecretsManager::Secret TwilioCredentials18AA37CC',
];

let resources: Record<string, { Type: string }>;

beforeAll(() => {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'));
  const app = new App({ context: { ...cdkJson.context, skipBundling: true } });
  resources = Template.fromStack(new NotificationStack(app, 'TwilioNotifications')).toJSON().Resources;
});

const present = () =>
  Object.entries(resources)
    .filter(([, resource]) => statefulTypes.includes(resource.Type))
    .map(([id, resource]) => `${resource.Type} ${id}`);

describe('stateful resources', () => {
  it('keeps the logical id of every pinned resource', () => {
    const missing = pinned.filter((entry) => !present().includes(entry));
    expect(missing, 'these resources would be replaced on the next deploy').toEqual([]);
  });

  it('pins every stateful resource the stack declares', () => {
    const unpinned = present().filter((entry) => !pinned.includes(entry));
    expect(unpinned, 'add these to the pinned list').toEqual([]);
  });

  it('lists the pins once each, sorted', () => {
    expect(pinned).toEqual([...new Set(pinned)].sort());
  });
});
