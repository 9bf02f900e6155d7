import { Type } from 'typebox';

/** AWS_REGION, shared by every setting that signs IAM tokens, so a schema declares it once. */
export const awsRegionSettings = {
  AWS_REGION: Type.Optional(
    Type.String({
      pattern: '^[a-z]{2}(-[a-z]+)+-\\d+$',
      description: 'AWS region of the database and the cache, for IAM token signing.',
    }),
  ),
};
