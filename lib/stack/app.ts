import { App, Validations } from 'aws-cdk-lib';
import {
  ASSET_RESOURCE_METADATA_ENABLED_CONTEXT,
  CURRENTLY_RECOMMENDED_FLAGS,
  PATH_METADATA_ENABLE_CONTEXT,
} from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PhoneKeyStack } from './phonekey-stack.ts';

export { INCOMING_PREFIX, LOGICAL_IDS, PhoneKeyStack } from './phonekey-stack.ts';

/** The CloudFormation stack name (and construct id) of the system. */
export const STACK_NAME = 'PhoneKey';

export interface CreateAppOptions {
  /** Where the cloud assembly (templates, bundles) is written. Default: the CLI's, or a temp dir. */
  readonly outdir?: string;
  /** Extra context, as `cdk -c key=value` gives it (e.g. `jwtIssuer`, `jwtAudience`: lib/stack/api.ts). */
  readonly context?: Record<string, unknown>;
}

/**
 * Builds the CDK app with the PhoneKey stack and cdk-nag's AwsSolutions checks attached.
 * Nothing happens until `app.synth()`, which writes only into `outdir`; an unacknowledged nag
 * error makes that synth throw (in-process) or exit 1 (under the CDK CLI).
 */
export function createApp(opts: CreateAppOptions = {}): { app: App; stack: PhoneKeyStack } {
  const app = new App({
    outdir: opts.outdir,
    // Feature flags a new CDK project gets; set here (not only in cdk.json) so an in-process
    // synth produces the same template as `cdk synth`. cdk.json context still overrides.
    context: {
      ...CURRENTLY_RECOMMENDED_FLAGS,
      // What the CLI turns on: each resource's `aws:cdk:path`, and each function's
      // `aws:asset:path` naming its bundle folder in the assembly (the local runner needs it).
      [ASSET_RESOURCE_METADATA_ENABLED_CONTEXT]: true,
      [PATH_METADATA_ENABLE_CONTEXT]: true,
      ...opts.context,
    },
  });
  const stack = new PhoneKeyStack(app, STACK_NAME, {
    description: 'PhoneKey: phone-keyed customer data unification',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
