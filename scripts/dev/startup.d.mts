// Types of startup.mjs (its unit test lives in tools/ops/src/devStartup.unit.spec.ts).
export type InfraKind = 'postgres' | 'nats' | 'redis';
export declare const COMPOSE_SERVICES: readonly string[];
export declare function devServices(root: string): { name: string; dir: string; script: string }[];
export declare function endpointOf(
  url: string,
  kind: InfraKind | 'smtp',
): { host: string; port: number } | undefined;
export declare function composeCanProvide(
  missing: readonly InfraKind[],
  urls: Record<InfraKind, string>,
): boolean;
export declare function readinessOf(result: {
  error?: string;
  status?: number;
  body?: unknown;
}): { ready: true } | { ready: false; reason: string };
export declare function mailCatcherOf(smtpUrl: string, mailpitUiUrl?: string): string | undefined;
export declare function runningBanner(options: {
  gatewayUrl: string;
  publicUrl?: string;
  smtpUrl: string;
  mailpitUiUrl?: string;
}): string[];
export declare function redact(url: string): string;
