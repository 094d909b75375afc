import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where the server is and who we are, as given by flags, the environment or the config file. */
export interface ClientSettings {
  url: string;
  token?: string;
  apiKey?: string;
  /** The config file that was read, if any. */
  configFile?: string;
}

/** Default location of the config file: $XDG_CONFIG_HOME/zhuli/config.json or ~/.config/zhuli/config.json. */
export function defaultConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'zhuli', 'config.json');
}

/**
 * Resolves the server URL and credentials: explicit values first, then ZHULI_URL / ZHULI_TOKEN /
 * ZHULI_API_KEY, then the config file (`{ "url": …, "token": …, "apiKey": … }`), then http://127.0.0.1:4000/graphql.
 * A missing default config file is fine; a missing or malformed explicit one throws.
 */
export function clientOptionsFrom(explicit: { url?: string; token?: string; apiKey?: string; config?: string } = {}, env: NodeJS.ProcessEnv = process.env): ClientSettings {
  const file = explicit.config ?? env.ZHULI_CONFIG ?? defaultConfigFile(env);
  let fromFile: { url?: string; token?: string; apiKey?: string } = {};
  let configFile: string | undefined;
  if (fs.existsSync(file)) {
    try {
      fromFile = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof fromFile;
      configFile = file;
    } catch (err) {
      throw new Error(`cannot read the config file ${file}: ${(err as Error).message}`);
    }
  } else if (explicit.config) {
    throw new Error(`no such config file: ${explicit.config}`);
  }
  const pick = (...v: Array<string | undefined>) => v.find((x) => typeof x === 'string' && x.length > 0);
  const url = pick(explicit.url, env.ZHULI_URL, fromFile.url) ?? 'http://127.0.0.1:4000/graphql';
  // A flag or variable for one kind of credential wins over the config file's other kind.
  const token = pick(explicit.token, explicit.apiKey ? undefined : env.ZHULI_TOKEN);
  const apiKey = pick(explicit.apiKey, explicit.token ? undefined : env.ZHULI_API_KEY);
  if (token || apiKey) return { url, token, apiKey, configFile };
  return { url, token: pick(fromFile.token), apiKey: pick(fromFile.apiKey), configFile };
}
