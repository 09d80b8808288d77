import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { readConfig } from '../config.ts';
import type { Template } from '../domain/templates.ts';
import type { Page, PageRequest, TemplateRepository } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';
import { pagePartition, stripKeys } from './dynamo-file-repository-adapter.ts';
import { tables } from '../topology.ts';

const templateKey = (userId: string, templateId: string) => ({ pk: userId, sk: templateId });
/** The item that reserves a name for one template of the user's; names compare case-insensitively. */
const nameKey = (userId: string, name: string) => ({ pk: `NAME#${userId}`, sk: name.toLowerCase() });
const isConditionFailure = (err: unknown) => err instanceof ConditionalCheckFailedException;

/**
 * MessageTemplates in DynamoDB: partition `userId`, sort `templateId` (a ULID, so newest first is
 * a key order). A template's name is held by a second item, taken with a conditional put before
 * the template is written: two creates with one name cannot both win, without transactions.
 */
export class DynamoTemplateRepository implements TemplateRepository {
  constructor(
    private readonly tableName: string = readConfig(z.object({ [tables.templates.envVar]: z.string().check(z.minLength(1)) })).TEMPLATES_TABLE,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async get(userId: string, templateId: string): Promise<Template | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: templateKey(userId, templateId), ConsistentRead: true }));
    return Item ? stripKeys<Template>(Item) : undefined;
  }

  list(userId: string, page: PageRequest): Promise<Page<Template>> {
    return pagePartition<Template>(this.client, this.tableName, userId, page);
  }

  async create(userId: string, template: Template): Promise<boolean> {
    if (!(await this.takeName(userId, template.name, template.templateId))) return false;
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...templateKey(userId, template.templateId), ...template },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  }

  async replace(userId: string, template: Template, previous: Template): Promise<'ok' | 'conflict' | 'name-taken'> {
    const renamed = template.name.toLowerCase() !== previous.name.toLowerCase();
    if (renamed && !(await this.takeName(userId, template.name, template.templateId))) return 'name-taken';
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...templateKey(userId, template.templateId), ...template },
          ConditionExpression: 'updatedAt = :seen',
          ExpressionAttributeValues: { ':seen': previous.updatedAt },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      if (renamed) await this.releaseName(userId, template.name, template.templateId);
      return 'conflict';
    }
    if (renamed) await this.releaseName(userId, previous.name, template.templateId);
    return 'ok';
  }

  async delete(userId: string, templateId: string): Promise<boolean> {
    try {
      const { Attributes } = await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: templateKey(userId, templateId),
          ConditionExpression: 'attribute_exists(pk)',
          ReturnValues: 'ALL_OLD',
        }),
      );
      if (Attributes) await this.releaseName(userId, String(Attributes.name), templateId);
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /**
   * Reserves `name` for `templateId`. A reservation whose template no longer exists (a create
   * that stopped half-way, a delete that did) is taken over, conditionally on what was read.
   */
  private async takeName(userId: string, name: string, templateId: string): Promise<boolean> {
    for (let round = 0; round < 3; round++) {
      try {
        await this.client.send(
          new PutCommand({ TableName: this.tableName, Item: { ...nameKey(userId, name), templateId }, ConditionExpression: 'attribute_not_exists(pk)' }),
        );
        return true;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: nameKey(userId, name), ConsistentRead: true }));
      if (!Item) continue;
      const holder = String(Item.templateId);
      if (holder === templateId) return true;
      const held = await this.get(userId, holder);
      if (held && held.name.toLowerCase() === name.toLowerCase()) return false;
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...nameKey(userId, name), templateId },
            ConditionExpression: 'templateId = :stale',
            ExpressionAttributeValues: { ':stale': holder },
          }),
        );
        return true;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
    }
    return false;
  }

  private async releaseName(userId: string, name: string, templateId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: nameKey(userId, name),
          ConditionExpression: 'templateId = :id',
          ExpressionAttributeValues: { ':id': templateId },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }
}
