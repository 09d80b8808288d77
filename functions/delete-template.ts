import { DynamoTemplateRepository } from '../shared/adapters/dynamo-template-repository-adapter.ts';
import { deleteTemplate } from '../shared/domain/templates.ts';
import { noContent } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { templateIdParams } from '../shared/schemas/path-params.schema.ts';

const templates = new DynamoTemplateRepository();

export const handler = userRoute({ params: templateIdParams }, async ({ userId, params }) => {
  await deleteTemplate(templates, userId, params.templateId);
  return noContent();
});
