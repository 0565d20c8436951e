/**
 * The explicit actions behind each wildcard action that CDK's grant helpers write (Q5), from the
 * AWS Service Authorization Reference (November 2026). CDK grants these wildcards on bucket and
 * object ARNs only, so each list holds the actions that apply to those resources.
 * lib/explicit-iam-actions.ts swaps them in at synthesis.
 */
export const ACTION_EXPANSIONS: Record<string, readonly string[]> = {
  's3:Abort*': ['s3:AbortMultipartUpload'],
  's3:DeleteObject*': ['s3:DeleteObject', 's3:DeleteObjectTagging', 's3:DeleteObjectVersion', 's3:DeleteObjectVersionTagging'],
  's3:GetBucket*': [
    's3:GetBucketAcl', 's3:GetBucketCORS', 's3:GetBucketLocation', 's3:GetBucketLogging', 's3:GetBucketNotification',
    's3:GetBucketObjectLockConfiguration', 's3:GetBucketOwnershipControls', 's3:GetBucketPolicy',
    's3:GetBucketPolicyStatus', 's3:GetBucketPublicAccessBlock', 's3:GetBucketRequestPayment', 's3:GetBucketTagging',
    's3:GetBucketVersioning', 's3:GetBucketWebsite',
  ],
  's3:GetObject*': [
    's3:GetObject', 's3:GetObjectAcl', 's3:GetObjectAttributes', 's3:GetObjectLegalHold', 's3:GetObjectRetention',
    's3:GetObjectTagging', 's3:GetObjectTorrent', 's3:GetObjectVersion', 's3:GetObjectVersionAcl',
    's3:GetObjectVersionAttributes', 's3:GetObjectVersionForReplication', 's3:GetObjectVersionTagging',
    's3:GetObjectVersionTorrent',
  ],
  's3:List*': ['s3:ListBucket', 's3:ListBucketMultipartUploads', 's3:ListBucketVersions', 's3:ListMultipartUploadParts'],
};
