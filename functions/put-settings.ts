import { DynamoSettingsRepository } from '../shared/adapters/dynamo-settings-repository-adapter.ts';
import { updateSettings } from '../shared/domain/settings.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { settingsSchema } from '../shared/schemas/settings.schema.ts';

const settings = new DynamoSettingsRepository();

export const handler = userRoute({ body: settingsSchema }, async ({ userId, body }) => json(200, await updateSettings(settings, userId, body)));
