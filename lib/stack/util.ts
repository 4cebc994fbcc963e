import { CfnResource, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root (lib/stack/ is two levels down). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Pins the CloudFormation logical id of a construct's main resource, so the template has
 * stable, readable ids (`ImportFunction`, `Table`, …) that the local runner and people can
 * rely on instead of hashed ones.
 */
export function pinLogicalId(construct: IConstruct, logicalId: string): void {
  const child = construct.node.defaultChild;
  if (!child || !CfnResource.isCfnResource(child)) {
    throw new Error(`${construct.node.path} has no CloudFormation resource to pin as ${logicalId}`);
  }
  child.overrideLogicalId(logicalId);
}

/**
 * Acknowledges cdk-nag findings on one construct (and its children), each with its reason.
 * cdk-nag 3 matches exact finding ids, e.g. `AwsSolutions-IAM5[Resource::<RawBucket.Arn>/incoming/*]`.
 */
export function acknowledge(construct: IConstruct, findings: Record<string, string>): void {
  for (const [id, reason] of Object.entries(findings)) {
    Validations.of(construct).acknowledge({ id, reason });
  }
}
