import { DeleteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { messageConfigParts, readConfig } from '../config.ts';
import { unclaimedOwner } from '../domain/messages.ts';
import type { MessageRecord, Page, PageRequest, UnclaimedMessages } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';
import { DynamoMessageRepository } from './dynamo-message-repository-adapter.ts';

/** The `unclaimed#<To>` partition of the message store, read oldest first and emptied as a line adopts it. */
export class DynamoUnclaimedMessages implements UnclaimedMessages {
  constructor(
    private readonly tableName: string = readConfig(messageConfigParts.messagesTable).MESSAGES_TABLE,
    private readonly client: DynamoDBDocumentClient = documentClient,
    private readonly messages = new DynamoMessageRepository(tableName, client),
  ) {}

  async list(number: string, page: PageRequest): Promise<Page<MessageRecord>> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :o AND begins_with(sk, :msg)',
        ExpressionAttributeValues: { ':o': unclaimedOwner(number), ':msg': 'msg#' },
        ProjectionExpression: 'pk, sk',
        Limit: page.limit,
        ExclusiveStartKey: page.startKey,
      }),
    );
    const items = await Promise.all((out.Items ?? []).map((i) => this.messages.get(String(i.pk), String(i.sk).slice('msg#'.length))));
    return { items: items.filter((m): m is MessageRecord => m !== undefined), lastKey: out.LastEvaluatedKey };
  }

  async remove(message: MessageRecord): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: message.owner, sk: `msg#${message.messageId}` } }));
  }
}
