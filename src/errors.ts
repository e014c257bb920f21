/**
 * Exit codes, documented in README.md. Commands throw; only the entry point calls process.exit.
 */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  /** `rtap bench --check` found results that differ from the independent recomputation. */
  CHECK_MISMATCH: 97,
  /** The run is invalid: the load generator could not hold its schedule. */
  INVALID_RUN: 98,
  /** A performance threshold or baseline regression failed. */
  THRESHOLD_FAILED: 99,
  INTERRUPTED: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error whose message is meant for the user as-is: printed without a stack trace. */
export class RtapError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.FAILURE,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'RtapError';
  }
}

/** Bad flags, values, config files: exit code 2. */
export class UsageError extends RtapError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.USAGE, hint);
    this.name = 'UsageError';
  }
}

/** The run completed but must report a non-zero status (gate failed, invalid run, check mismatch). */
export class ExitError extends RtapError {
  constructor(exitCode: ExitCode, message: string) {
    super(message, exitCode);
    this.name = 'ExitError';
  }
}

/**
 * An offset commit the group coordinator refused because the group moved on without this member (it was
 * removed after missing its session timeout, or a rebalance is under way). Not the end of the member: the
 * client joins again and is given partitions anew; without checkpoints (at-least-once) the records since the
 * last commit that landed may be read again (by another member; this one continues where it read to).
 */
export class GroupMovedError extends RtapError {
  constructor(
    readonly groupId: string,
    readonly reason: string,
  ) {
    super(`consumer group ${groupId}: the offset commit was refused because the group moved on (${reason})`);
    this.name = 'RtapError';
  }
}

/** A newer producer with the same transactional id took over: nothing of this one commits any more. */
export class FencedError extends RtapError {
  constructor(readonly transactionalId: string) {
    super(
      `kafka transaction ${transactionalId}: fenced by a newer producer with the same transactional id: another process of this group took over, so this one stops without committing`,
      undefined,
      'with checkpoints a group is processed by one `rtap process` at a time, or task by task with --scale-out (docs/fault-tolerance.md); the newer one continues from the last checkpoint',
    );
    this.name = 'RtapError';
  }
}
