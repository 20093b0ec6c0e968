import { ConfigError, loadConfig, type Config } from './config.ts';

/** Parses the environment for an entry point: a bad variable is one line on stderr and exit code 1. */
export function startupConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) process.stderr.write(`Configuration error: ${problem}\n`);
      process.exit(1);
    }
    throw err;
  }
}
