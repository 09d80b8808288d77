import { DynamoTemplateRepository } from '../shared/adapters/dynamo-template-repository-adapter.ts';
import { createTemplate, presentTemplate } from '../shared/domain/templates.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { createTemplateSchema } from '../shared/schemas/template.schema.ts';

const templates = new DynamoTemplateRepository();

export const handler = userRoute({ body: createTemplateSchema }, async ({ userId, body }) =>
  json(201, presentTemplate(await createTemplate(templates, userId, body))),
);
