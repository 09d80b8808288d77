import type { SettingsRepository, UserSettings } from '../ports.ts';
import { URGENT } from './priority.ts';
import { quietHoursEnd } from './quiet-hours.ts';

/** SQS's longest delay: a send due sooner gets its timer on the queue at once, later ones from the schedule sweep. */
export const TIMER_HORIZON_MS = 15 * 60_000;

export const DEFAULT_SETTINGS: UserSettings = Object.freeze({
  quietHours: null,
  dedupWindowSeconds: 60,
  optOutFooter: ' Reply STOP to opt out.',
});

/** The user's settings, or the defaults for any never saved. */
export async function settingsOf(settings: SettingsRepository, userId: string): Promise<UserSettings> {
  return (await settings.get(userId)) ?? DEFAULT_SETTINGS;
}

/** Saves the user's settings; fields left out keep their value, `null` clears quiet hours or the opt-out line. */
export async function updateSettings(settings: SettingsRepository, userId: string, input: Partial<UserSettings>): Promise<UserSettings> {
  const current = await settingsOf(settings, userId);
  const next: UserSettings = {
    quietHours: input.quietHours === undefined ? current.quietHours : input.quietHours,
    dedupWindowSeconds: input.dedupWindowSeconds ?? current.dedupWindowSeconds,
    optOutFooter: input.optOutFooter === undefined ? current.optOutFooter : input.optOutFooter,
  };
  await settings.put(userId, next);
  return next;
}

/** A text that already tells the reader about STOP needs no opt-out line. */
export const mentionsStop = (text: string) => /\bSTOP\b/i.test(text);

/**
 * When a send due at `due` goes: at the end of the user's quiet hours when it falls inside them,
 * read in the recipient's `timezone` when known, else the window's own; urgent sends go at once.
 */
export function afterQuietHours(due: number, priority: number, settings: UserSettings, timezone: string | undefined): number {
  if (priority >= URGENT || !settings.quietHours) return due;
  const end = quietHoursEnd(due, { ...settings.quietHours, timezone: timezone ?? settings.quietHours.timezone });
  return end ?? due;
}
