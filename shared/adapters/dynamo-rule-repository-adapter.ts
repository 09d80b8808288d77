import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, paginateQuery, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { configParts, readConfig } from '../config.ts';
import type { Page, PageRequest, Rule, RuleRepository } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';
import { pagePartition, stripKeys } from './dynamo-file-repository-adapter.ts';

/**
 * The sort key of the item counting a user's rules, in the user's own partition. Rule ids are
 * ULIDs (digits and capitals), so every rule sorts at or after `RULES_FROM` and the counter
 * before it; reads of rules start there.
 */
const COUNTER_SK = '#count';
const RULES_FROM = '0';

/**
 * NotificationRules in DynamoDB: partition `userId`, sort `ruleId`, so matching reads one
 * partition. The partition also holds a counter of its rules, moved by single-item conditional
 * writes (the engines have no transactions): a create first takes a place under the cap, then
 * writes the rule, and gives the place back if that fails; a delete gives it back once the rule
 * is gone. The count is exact while no process dies between the two writes; one that does leaves
 * the counter one too high, never too low, so the cap is never exceeded.
 */
export class DynamoRuleRepository implements RuleRepository {
  constructor(
    private readonly tableName: string = readConfig(configParts.rulesTable).RULES_TABLE,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async create(userId: string, rule: Rule, maxRules = Number.MAX_SAFE_INTEGER): Promise<boolean> {
    if (!(await this.takePlace(userId, maxRules))) return false;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: userId, sk: rule.ruleId, ...rule },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      await this.givePlaceBack(userId);
      throw err;
    }
    return true;
  }

  /** Counts one more rule if the user has fewer than `maxRules`; a counter is first seeded from the rules themselves. */
  private async takePlace(userId: string, maxRules: number): Promise<boolean> {
    const counter = { pk: userId, sk: COUNTER_SK };
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: counter, ConsistentRead: true }));
    if (!Item) {
      // Rules stored before the counter existed: count them once; of two racing seeds the first wins.
      const existing = await this.countRules(userId);
      try {
        await this.client.send(
          new PutCommand({ TableName: this.tableName, Item: { ...counter, rules: existing }, ConditionExpression: 'attribute_not_exists(pk)' }),
        );
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: counter,
          UpdateExpression: 'SET #rules = #rules + :one',
          ConditionExpression: '#rules < :max',
          ExpressionAttributeNames: { '#rules': 'rules' },
          ExpressionAttributeValues: { ':one': 1, ':max': maxRules },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  private async givePlaceBack(userId: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: userId, sk: COUNTER_SK },
          UpdateExpression: 'SET #rules = #rules - :one',
          ConditionExpression: '#rules > :zero',
          ExpressionAttributeNames: { '#rules': 'rules' },
          ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  async get(userId: string, ruleId: string): Promise<Rule | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: userId, sk: ruleId }, ConsistentRead: true }));
    return Item ? stripKeys<Rule>(Item) : undefined;
  }

  list(userId: string, page: PageRequest): Promise<Page<Rule>> {
    return pagePartition<Rule>(this.client, this.tableName, userId, page, RULES_FROM);
  }

  async count(userId: string): Promise<number> {
    return this.countRules(userId);
  }

  private async countRules(userId: string): Promise<number> {
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
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :u AND sk >= :from',
        ExpressionAttributeValues: { ':u': userId, ':from': RULES_FROM },
        ...(select ? { Select: select } : {}),
      },
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
      await this.givePlaceBack(userId);
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}
