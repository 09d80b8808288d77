import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readConfig } from '../config.ts';
import type { ConversationMessage, ConversationRecord, ConversationRepository, ConversationStatus, Page, PageRequest } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';
import { conditional, ONLY, voiceTableConfig } from './dynamo-line-repository-adapter.ts';

const convKey = (conversationId: string) => ({ pk: `conv#${conversationId}`, sk: ONLY });
const openKey = (lineId: string, customer: string) => ({ pk: `open#${lineId}#${customer}`, sk: ONLY });
const KEY_ATTRIBUTES = ['pk', 'sk', 'ownerKey', 'lineKey', 'listSort'];
/** The most messages GET /conversations/{id} returns: the latest ones. */
const MAX_MESSAGES = 500;

function strip<T>(item: Record<string, unknown>): T {
  const rest = { ...item };
  for (const key of KEY_ATTRIBUTES) delete rest[key];
  return rest as T;
}

/**
 * Conversations in the voice table: the conversation at `conv#<id>`/`#` and its messages beside
 * it at `msg#<ULID>`, so one query reads both in order. Which conversation is open between a line
 * and a customer is one item, `open#<lineId>#<customer>`, taken by a conditional write: two
 * missed calls at once still open one conversation.
 */
export class DynamoConversationRepository implements ConversationRepository {
  constructor(
    private readonly tableName: string = readConfig(voiceTableConfig).VOICE_TABLE,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async openFor(input: { userId: string; lineId: string; customer: string; conversationId: string; at: string }): Promise<ConversationRecord> {
    const taken = await conditional(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...openKey(input.lineId, input.customer), conversationId: input.conversationId },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    const conversationId = taken ? input.conversationId : await this.openId(input.lineId, input.customer);
    const fresh: ConversationRecord = {
      conversationId: conversationId ?? input.conversationId,
      userId: input.userId,
      lineId: input.lineId,
      customer: input.customer,
      status: 'open',
      needsAttention: false,
      lastMessageAt: input.at,
      createdAt: input.at,
    };
    // The conversation itself, unless it is there: a writer that died after taking the open item left none.
    await conditional(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...convKey(fresh.conversationId),
            ownerKey: `convs#${fresh.userId}`,
            lineKey: `convs#${fresh.userId}#${fresh.lineId}`,
            listSort: `${fresh.createdAt}#${fresh.conversationId}`,
            ...fresh,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return (await this.get(fresh.conversationId)) ?? fresh;
  }

  private async openId(lineId: string, customer: string): Promise<string | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: openKey(lineId, customer), ConsistentRead: true }));
    return Item?.conversationId as string | undefined;
  }

  async findOpen(lineId: string, customer: string): Promise<ConversationRecord | undefined> {
    const id = await this.openId(lineId, customer);
    return id ? this.get(id) : undefined;
  }

  async get(conversationId: string): Promise<ConversationRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: convKey(conversationId), ConsistentRead: true }));
    return Item ? strip<ConversationRecord>(Item) : undefined;
  }

  addMessage(conversationId: string, message: ConversationMessage): Promise<boolean> {
    return conditional(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: `conv#${conversationId}`, sk: `msg#${message.messageId}`, ...message },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async messages(conversationId: string): Promise<ConversationMessage[]> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :c AND begins_with(sk, :msg)',
        ExpressionAttributeValues: { ':c': `conv#${conversationId}`, ':msg': 'msg#' },
        ScanIndexForward: false,
        Limit: MAX_MESSAGES,
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map((i) => strip<ConversationMessage>(i)).reverse();
  }

  async markInbound(conversationId: string, at: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: convKey(conversationId),
        UpdateExpression: 'SET awaitingReplySince = if_not_exists(awaitingReplySince, :at), lastMessageAt = :at',
        ExpressionAttributeValues: { ':at': at },
      }),
    );
  }

  async markReplied(conversationId: string, at: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: convKey(conversationId),
        UpdateExpression: 'SET needsAttention = :no, lastMessageAt = :at REMOVE awaitingReplySince',
        ExpressionAttributeValues: { ':no': false, ':at': at },
      }),
    );
  }

  raiseHandoff(conversationId: string, since: string, timerId: string): Promise<boolean> {
    return conditional(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: convKey(conversationId),
          UpdateExpression: 'SET needsAttention = :yes, handoffFor = :since, handoffBy = :timer',
          ConditionExpression: 'awaitingReplySince = :since AND (attribute_not_exists(handoffFor) OR handoffFor <> :since OR handoffBy = :timer)',
          ExpressionAttributeValues: { ':yes': true, ':since': since, ':timer': timerId },
        }),
      ),
    );
  }

  async markHandoffSent(conversationId: string, since: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: convKey(conversationId),
        UpdateExpression: 'SET handoffSentFor = :since',
        ExpressionAttributeValues: { ':since': since },
      }),
    );
  }

  async markHandoffPublished(conversationId: string, since: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: convKey(conversationId),
        UpdateExpression: 'SET handoffPublishedFor = :since',
        ExpressionAttributeValues: { ':since': since },
      }),
    );
  }

  async setStatus(conversation: ConversationRecord, status: ConversationStatus): Promise<boolean> {
    if (status === 'open') {
      const reopened = await conditional(
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...openKey(conversation.lineId, conversation.customer), conversationId: conversation.conversationId },
            ConditionExpression: 'attribute_not_exists(pk) OR conversationId = :c',
            ExpressionAttributeValues: { ':c': conversation.conversationId },
          }),
        ),
      );
      if (!reopened) return false;
    }
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: convKey(conversation.conversationId),
        UpdateExpression: 'SET #status = :s',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':s': status },
      }),
    );
    if (status === 'closed') {
      await conditional(
        this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: openKey(conversation.lineId, conversation.customer),
            ConditionExpression: 'conversationId = :c',
            ExpressionAttributeValues: { ':c': conversation.conversationId },
          }),
        ),
      );
    }
    return true;
  }

  async list(userId: string, filter: { lineId?: string; status?: ConversationStatus }, page: PageRequest): Promise<Page<ConversationRecord>> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: filter.lineId ? 'byLine' : 'byOwner',
        KeyConditionExpression: `${filter.lineId ? 'lineKey' : 'ownerKey'} = :k`,
        ExpressionAttributeValues: {
          ':k': filter.lineId ? `convs#${userId}#${filter.lineId}` : `convs#${userId}`,
          ...(filter.status ? { ':s': filter.status } : {}),
        },
        ...(filter.status ? { FilterExpression: '#status = :s', ExpressionAttributeNames: { '#status': 'status' } } : {}),
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: page.startKey,
      }),
    );
    return { items: (out.Items ?? []).map((i) => strip<ConversationRecord>(i)), lastKey: out.LastEvaluatedKey };
  }
}
