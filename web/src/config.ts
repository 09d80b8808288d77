/**
 * What the page that serves the console tells it, in index.html's `console-config` JSON block
 * (filled by `npm start` and by the stack's deployment; see lib/console-page.ts): set per stage,
 * so one build serves every stage. `window.__CONSOLE_CONFIG__` (the older config.js) still counts.
 */
export interface ConsoleConfig {
  /** Where the API answers; "" is the console's own origin (npm start). */
  apiBaseUrl: string;
  /** "local": a user name signs in (POST /local/token). */
  auth: 'local' | 'cognito';
  /** Local only: the Twilio simulator's routes exist, so the Phone panel is shown. */
  phone: boolean;
  /** The number the system sends from (and that a phone texts back to). */
  twilioNumber?: string;
  cognito?: { domain: string; clientId: string; redirectUri?: string };
}

declare global {
  interface Window {
    __CONSOLE_CONFIG__?: Partial<ConsoleConfig>;
  }
}

function pageConfig(): Partial<ConsoleConfig> {
  try {
    const block = typeof document !== 'undefined' ? document.getElementById('console-config')?.textContent : undefined;
    const parsed: unknown = block ? JSON.parse(block) : undefined;
    return parsed && typeof parsed === 'object' ? (parsed as Partial<ConsoleConfig>) : {};
  } catch {
    return {};
  }
}

export function readConfig(): ConsoleConfig {
  const given = { ...((typeof window !== 'undefined' && window.__CONSOLE_CONFIG__) || {}), ...pageConfig() };
  return {
    apiBaseUrl: (given.apiBaseUrl ?? '').replace(/\/+$/, ''),
    auth: given.auth ?? 'local',
    phone: given.phone ?? false,
    ...(given.twilioNumber ? { twilioNumber: given.twilioNumber } : {}),
    ...(given.cognito ? { cognito: given.cognito } : {}),
  };
}
