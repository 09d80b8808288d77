import { readConfig, targetPolicyConfig } from './config.ts';
import { commonEnv } from './topology.ts';
import { parseTargetPolicy, targetRefusal, type TargetPolicy } from './domain/target-policy.ts';

let configured: TargetPolicy | undefined;

/** The operator's target policy (`commonEnv.targetCountries`, `commonEnv.targetNumberTypes`), read once. */
export function configuredTargetPolicy(): TargetPolicy {
  if (!configured) {
    const env = readConfig(targetPolicyConfig);
    configured = parseTargetPolicy({ countries: env[commonEnv.targetCountries], types: env[commonEnv.targetNumberTypes] });
  }
  return configured;
}

/** Why `field`'s number (E.164) may not be texted or called under the operator's policy; undefined when it may. */
export function targetIssue(field: string, e164: string): string | undefined {
  return targetRefusal(field, e164, configuredTargetPolicy());
}
