import { AppError, ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { LineRecord, LineRepository, NumberWebhooks, PhoneNumberRegistry, VoiceTaskQueue } from '../ports.ts';
import type { CreateLine, UpdateLine } from '../schemas/line.schema.ts';
import { newId } from './ids.ts';

/** A line that forwards to itself would ring itself for ever. */
export const LOOP_MESSAGE = "forwardTo must differ from the line's own number, or every call would ring the line again.";

export interface LineDeps {
  lines: LineRepository;
  numbers: PhoneNumberRegistry;
  /** Where this deployment's voice and messaging webhooks listen. */
  webhooks: NumberWebhooks;
  /** Hands the messages kept for the number, before any line held it, to the new line's owner. */
  tasks?: VoiceTaskQueue;
}

export class NumberNotOwnedError extends AppError {
  constructor(number: string) {
    super(`The Twilio account does not own ${number}; buy or port it in the Twilio console first, then create the line.`, {
      code: 'NUMBER_NOT_OWNED',
      statusCode: 422,
      details: [{ field: 'number', message: 'not a number of this Twilio account' }],
    });
  }
}

/** A line as the API shows it. */
export function presentLine(line: LineRecord) {
  const { userId: _userId, numberSid: _sid, ...shown } = line;
  return shown;
}

/**
 * Creates a line. Nothing is written until every check has passed: the number is not another
 * line's, and the Twilio account owns it. Then the number is claimed (one conditional write, so
 * two lines can never hold it), the line written, and the number's webhooks pointed here; if
 * Twilio refuses that last step, the claim and the line are taken back.
 */
export async function createLine(deps: LineDeps, userId: string, input: CreateLine, clock: () => Date = () => new Date()): Promise<LineRecord> {
  const now = clock();
  if (await deps.lines.claimOf(input.number)) throw numberTaken(input.number);
  const owned = await deps.numbers.find(input.number);
  if (!owned) throw new NumberNotOwnedError(input.number);

  const at = now.toISOString();
  const line: LineRecord = { userId, lineId: newId(now.getTime()), ...input, numberSid: owned.sid, createdAt: at, updatedAt: at };
  const claim = { number: line.number, userId, lineId: line.lineId };
  if (!(await deps.lines.claimNumber(claim, at))) throw numberTaken(input.number);
  try {
    await deps.lines.create(line);
    await deps.numbers.pointAt(owned.sid, deps.webhooks);
  } catch (err) {
    await deps.lines.delete(userId, line.lineId).catch(() => undefined);
    await deps.lines.releaseNumber(claim);
    throw err;
  }
  await deps.tasks?.enqueue({ kind: 'adopt', number: line.number, userId });
  return line;
}

const numberTaken = (number: string) => new ConflictError(`${number} already belongs to a line; a number belongs to one line at a time.`);

/** The user's line; another user's answers 404 exactly like a missing one. */
export async function getLine(lines: LineRepository, userId: string, lineId: string): Promise<LineRecord> {
  const line = await lines.get(userId, lineId);
  if (!line) throw new NotFoundError('The line');
  return line;
}

/** Applies a partial update; `null` clears an optional field. */
export async function updateLine(
  lines: LineRepository,
  userId: string,
  lineId: string,
  input: UpdateLine,
  clock: () => Date = () => new Date(),
): Promise<LineRecord> {
  const current = await getLine(lines, userId, lineId);
  const next: Record<string, unknown> = { ...current, updatedAt: clock().toISOString() };
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (value === null) delete next[key];
    else next[key] = value;
  }
  const line = next as unknown as LineRecord;
  if (line.forwardTo === line.number) throw new ValidationError(LOOP_MESSAGE, [{ field: 'forwardTo', message: LOOP_MESSAGE }]);
  if (!(await lines.replace(line, current.updatedAt))) throw new ConflictError('The line changed while it was being updated; read it again and retry.');
  return line;
}

/**
 * Deletes the line and frees its number; its calls and conversations stay readable. The number
 * goes first: a delete that stops half-way leaves a line that can be deleted again, never a
 * number held by a line that is gone.
 */
export async function deleteLine(lines: LineRepository, userId: string, lineId: string): Promise<void> {
  const line = await getLine(lines, userId, lineId);
  await lines.releaseNumber({ number: line.number, userId, lineId });
  await lines.delete(userId, lineId);
}
