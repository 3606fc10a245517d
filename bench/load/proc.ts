/**
 * What /proc says about a process and the machine: CPU seconds (utime +
 * stime, every thread of the process) and RSS. Linux only; the harness reads
 * the server's figures from here because the server is a separate binary.
 */
import { readFileSync } from "node:fs";

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on Linux x86-64). */
const TICKS = 100;

/** CPU time used so far by `pid` (all threads), seconds. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which sits in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** Resident set size of `pid`, bytes. */
export function processRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) * 1024;
}

/** CPU time the whole machine spent busy (all cores, anyone's), seconds. */
export function machineBusySeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] as string;
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS;
}

/** CPU seconds of several processes together; a process that has exited counts 0. */
export function cpuOf(pids: number[]): number {
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
