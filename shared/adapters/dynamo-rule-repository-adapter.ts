import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  paginateQuery,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { configParts, readConfig } from '../config.ts';
import type { Page, PageRequest, Rule, RuleRepository } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';
import { pagePartition, stripKeys } from './dynamo-file-repository-adapter.ts';

/** NotificationRules in DynamoDB: partition `userId`, sort `ruleId`, so matching reads one partition. */
export class DynamoRuleRepository implements RuleRepository {
  constructor(
    private readonly tableName: string = readConfig(configParts.rulesTable).RULES_TABLE,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async create(userId: string, rule: Rule): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: userId, sk: rule.ruleId, ...rule },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(userId: string, ruleId: string): Promise<Rule | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: userId, sk: ruleId }, ConsistentRead: true }),
    );
    return Item ? stripKeys<Rule>(Item) : undefined;
  }

  list(userId: string, page: PageRequest): Promise<Page<Rule>> {
    return pagePartition<Rule>(this.client, this.tableName, userId, page);
  }

  async count(userId: string): Promise<number> {
    let total = 0;
    for await (const page of this.pagesOf(userId, 'COUNT')) total += page.Count ?? 0;
    return total;
  }

  async listAll(userId: string): Promise<Rule[]> {
    const rules: Rule[] = [];
    for await (const page of this.pagesOf(userId)) for (const item of page.Items ?? []) rules.push(stripKeys<Rule>(item));
    return rules;
  }

  /** Every page of the user's partition, DynamoDB's 1 MB at a time. */
  private pagesOf(userId: string, select?: 'COUNT') {
    return paginateQuery(
      { client: this.client },
      { TableName: this.tableName, KeyConditionExpression: 'pk = :u', ExpressionAttributeValues: { ':u': userId }, ...(select ? { Select: select } : {}) },
    );
  }

  async replace(userId: string, rule: Rule, expectedUpdatedAt: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: userId, sk: rule.ruleId, ...rule },
          ConditionExpression: 'updatedAt = :expected',
          ExpressionAttributeValues: { ':expected': expectedUpdatedAt },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async delete(userId: string, ruleId: string): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: userId, sk: ruleId },
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}
