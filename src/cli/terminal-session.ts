import type { Command } from '../contracts/commands.js';
import { COMMANDS } from '../app/commands.js';
import { loadRules } from '../app/rules.js';
import type { StartDemo } from '../app/deps.js';
import type { Store } from '../app/store.js';
import type { Catalogue } from '../catalogue.js';
import { kafkaClusters, type Config } from '../config.js';
import { isUserError } from '../errors.js';
import { dispatch, type DispatchDeps } from '../handlers/dispatch.js';
import type { CommandQueue } from '../jobs/queue.js';
import type { Logger } from '../log.js';
import type { Actor, Policy } from '../policy/policy.js';
import { EXIT } from './exit.js';
import type { Identity, LocalSession } from './session.js';
import { TerminalChat } from './terminal-chat.js';

/** Commands answered from the command table alone: nothing they do reads the cluster, the store or the queue. */
const ANSWERED_ALONE = new Set(['help']);

export interface TerminalSessionOptions {
  print: (text: string) => void;
  forceDemo?: boolean;
  startDemo?: StartDemo;
  /** Told what the session is connected to, once, when the first command that needs it has opened it. */
  onConnect?: (banner: string[]) => void;
  /** Run the failing-pod watch once connected (the demo shell: its posts go to #inc-demo). */
  watchPods?: boolean;
}

/**
 * What `carbon run` and the shell talk to. At once: the terminal as the chat, the catalogue and the policy. The
 * rest (the cluster, PostgreSQL, a private queue and its worker: a LocalSession, with BullMQ, the Kubernetes client and
 * Vega) only when a command needs them: `help`, and a text that does not parse, are answered without.
 */
export class TerminalSession {
  private connected?: Promise<LocalSession>;

  private constructor(
    private readonly config: Config,
    private readonly log: Logger,
    private readonly options: TerminalSessionOptions,
    readonly chat: TerminalChat,
    private readonly rules: { catalogue: Catalogue; policy: Policy },
  ) {}

  static async open(config: Config, log: Logger, options: TerminalSessionOptions): Promise<TerminalSession> {
    return new TerminalSession(config, log, options, new TerminalChat(options.print), await loadRules(config));
  }

  /** The LocalSession, opened on first use (again after a failure: Redis may be up by the next command). */
  connect(): Promise<LocalSession> {
    this.connected ??= this.openLocal().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    return this.connected;
  }

  /** Acting on a simulated cluster: only then may the terminal speak as another Slack user. Connects. */
  async simulated(): Promise<boolean> {
    return (await this.connect()).simulated;
  }

  /** Runs one command as `identity` and waits for its job, if any. Returns the exit code (EXIT). */
  async execute(text: string, identity: Identity): Promise<number> {
    const actor = {
      user: identity.user,
      groups: [],
      channel: { id: identity.channel, name: await this.chat.channelName(identity.channel) },
    };
    if (!this.answersAlone(text, actor)) return (await this.connect()).execute(text, identity);
    const outcome = await dispatch({ text, actor }, this.aloneDeps());
    return outcome.kind === 'answered' ? EXIT.ok : outcome.kind === 'usage' ? EXIT.usage : EXIT.failed;
  }

  async close(): Promise<void> {
    const local = await this.connected?.catch(() => undefined);
    await local?.close();
  }

  private async openLocal(): Promise<LocalSession> {
    const { LocalSession } = await import('./session.js');
    const { print, forceDemo, startDemo, watchPods } = this.options;
    const local = await LocalSession.open(this.config, this.log, {
      print,
      chat: this.chat,
      rules: this.rules,
      ...(watchPods !== undefined ? { watchPods } : {}),
      ...(forceDemo !== undefined ? { forceDemo } : {}),
      ...(startDemo !== undefined ? { startDemo } : {}),
    });
    this.options.onConnect?.(local.banner);
    return local;
  }

  /**
   * Whether dispatch will answer `text` without the store or the queue: it does not parse (a usage answer), or
   * it is a command answered alone that the policy allows and its check passes (a denial or a refusal is
   * audited in the store, so those go through the LocalSession).
   */
  private answersAlone(text: string, actor: Actor): boolean {
    const rules = { catalogue: this.rules.catalogue, kafkaClusters: [...kafkaClusters(this.config).keys()] };
    let command: Command;
    try {
      command = COMMANDS.parse(text, rules);
    } catch (error) {
      return isUserError(error);
    }
    if (!ANSWERED_ALONE.has(command.name)) return false;
    if (!this.rules.policy.authorize(COMMANDS.policyName(command), actor).allowed) return false;
    try {
      COMMANDS.check(command, rules);
      return true;
    } catch {
      return false;
    }
  }

  /** Dispatch's deps for a command answered alone: the store and the queue are never reached (answersAlone). */
  private aloneDeps(): DispatchDeps {
    return {
      commands: COMMANDS,
      policy: this.rules.policy,
      catalogue: this.rules.catalogue,
      kafkaClusters: [...kafkaClusters(this.config).keys()],
      store: notOpen<Store>('store'),
      queue: notOpen<CommandQueue>('queue'),
      chat: this.chat,
      log: this.log,
    };
  }
}

/** Stands for what the session has not opened: any use is a bug in answersAlone, and says so. */
const notOpen = <T extends object>(what: string): T =>
  new Proxy({} as T, {
    get: () => {
      throw new Error(`the terminal session's ${what} is not open: answersAlone let through a command that uses it`);
    },
  });
