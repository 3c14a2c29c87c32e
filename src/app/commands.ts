import type { Command } from '../contracts/commands.js';
import { CommandTable } from '../commands/table.js';
import type { CommandSpec } from '../commands/spec.js';
import { bench } from '../features/bench/command.js';
import { health } from '../features/health/command.js';
import { describe, events, logs } from '../features/inspect/command.js';
import { silence } from '../features/incidents/silence-command.js';
import { phase } from '../features/phases/command.js';
import { restart } from '../features/restart/command.js';
import { handoff } from '../features/status/handoff-command.js';
import { schedule, status } from '../features/status/command.js';
import { vault } from '../features/vault/command.js';
import type { Answer } from '../handlers/dispatch.js';
import { approve, deny } from '../handlers/approval.js';
import { audit } from '../handlers/audit.js';
import { help } from '../handlers/help.js';

/**
 * Every command, in the order help lists them: parse, help, policy, audit line and route all come from
 * here. Each spec is typed for its own command; the table holds them as specs of any command.
 */
export const COMMANDS = new CommandTable<Answer>([
  health,
  logs,
  events,
  describe,
  restart,
  silence,
  approve,
  deny,
  audit,
  bench,
  vault,
  phase,
  status,
  schedule,
  handoff,
  help,
] as unknown as CommandSpec<Command, Answer>[]);
