/** The ways a notification reaches its target. Kept apart from the rule schema, so a module that needs only the list does not load the rule pattern engine. */
export const channels = ['sms', 'mms', 'whatsapp', 'email'] as const;
export type Channel = (typeof channels)[number];
