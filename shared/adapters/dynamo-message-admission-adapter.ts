import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { configParts, readConfig } from '../config.ts';
import { decideAdmission, withoutMessage, type AdmissionState } from '../domain/messages.ts';
import type { Admission, AdmissionRules, MessageAdmission } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';

const stateKey = (sender: string) => ({ pk: `MSGADMIT#${sender}`, sk: 'admission' });

/** Optimistic writes give up after this many lost races in a row (each loss is another writer's success). */
const MAX_ATTEMPTS = 50;

const isConditionFailure = (err: unknown) => err instanceof ConditionalCheckFailedException;

/**
 * Message admission in MessagingState, with single-item conditional writes only (dynalite has no
 * transactions): one item per sender holds the accepted messages still in its sliding window (at
 * most the limit), the dedup entries of those accepted in the last two seconds, and a version.
 * A message is decided on the state as read and, when admitted, written back on the condition
 * that the version is unchanged; a writer that lost the race reads again. Duplicates and refusals
 * write nothing. The table's TTL removes a state a minute after its last slot leaves the window.
 */
export class DynamoMessageAdmission implements MessageAdmission {
  constructor(
    private readonly tableName: string = readConfig(configParts.stateTable).STATE_TABLE,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async admit(request: { sender: string; dedupKey: string; messageId: string; now: number }, rules: AdmissionRules): Promise<Admission> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.read(request.sender);
      const { admission, next } = decideAdmission(current?.state ?? { slots: [], recent: [] }, request, rules);
      if (!next) return admission;
      const lastUseful = Math.max(...next.slots.map((s) => s.at)) + rules.windowMs;
      if (await this.write(request.sender, next, current?.version, lastUseful)) return admission;
    }
    throw new Error(`Could not update the admission state after ${MAX_ATTEMPTS} attempts.`);
  }

  async release(sender: string, messageId: string): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.read(sender);
      if (!current) return;
      const next = withoutMessage(current.state, messageId);
      if (next.slots.length === current.state.slots.length && next.recent.length === current.state.recent.length) return;
      if (await this.write(sender, next, current.version, Date.now() + 60_000)) return;
    }
  }

  private async read(sender: string): Promise<{ state: AdmissionState; version: number } | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: stateKey(sender), ConsistentRead: true }));
    if (!Item) return undefined;
    return {
      state: { slots: (Item.slots as AdmissionState['slots']) ?? [], recent: (Item.recent as AdmissionState['recent']) ?? [] },
      version: Number(Item.version),
    };
  }

  /** Writes the state if it is still at `version` (absent when undefined); false when another writer came first. */
  private async write(sender: string, state: AdmissionState, version: number | undefined, lastUseful: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...stateKey(sender), ...state, version: (version ?? 0) + 1, expiresAt: Math.ceil(lastUseful / 1000) + 60 },
          ...(version === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: '#version = :v', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':v': version } }),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }
}
