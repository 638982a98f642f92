/** Types of scripts/build-image.mjs, for the TypeScript tests that call it. */
export declare const AGENT_IMAGE_REPOSITORY: string;
export declare function containerCli(env?: NodeJS.ProcessEnv): string;
export declare function buildAgentImage(options?: { portableDir?: string; env?: NodeJS.ProcessEnv; tag?: string }): {
  image: string;
  built: boolean;
  cli: string;
};
