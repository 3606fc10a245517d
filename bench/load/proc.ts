/**
 * What /proc says about a process and the machine: CPU seconds (utime +
 * stime, every thread of the process) and RSS. Linux only; the harness reads
 * the server's figures from here because the server is a separate binary.
 */
import { readFileSync } from "node:fs";

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on Linux x86-64). */
const TICKS = 100;

/** The fields of /proc/<pid>/stat after the command name (which sits in parentheses and may hold spaces); [0] is the state. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** CPU time used so far by `pid` (all threads), seconds. */
export function processCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/**
 * CPU time used so far by `pid`, its live children and the children it has reaped, seconds:
 * for a server made of processes (PostgreSQL: a postmaster and a backend per connection). A
 * child that exits moves from the live sum to the parent's reaped sum, so the total only grows.
 */
export function processTreeCpuSeconds(pid: number): number {
  try {
    const fields = statFields(pid);
    const own = (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / TICKS;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    return own + (children ? children.split(" ").reduce((sum, child) => sum + processTreeCpuSeconds(Number(child)), 0) : 0);
  } catch {
    return 0; // gone: nothing more to count
  }
}

/** Resident set size of `pid`, bytes. */
export function processRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) * 1024;
}

/** RSS of several processes together, bytes. */
export function rssOf(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + processRssBytes(pid), 0);
}

/** CPU time the whole machine spent busy (all cores, anyone's), seconds. */
export function machineBusySeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] as string;
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS;
}

/** CPU seconds of several processes together; a process that has exited counts 0. */
export function cpuOf(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += processCpuSeconds(pid);
    } catch {
      // gone: nothing more to count
    }
  }
  return total;
}
