/** The parts of tlhunter-sorted-set (which ships no types) that the benchmarks use. */
declare module "tlhunter-sorted-set" {
  export default class SortedSet {
    add(member: string, score: number): number | null;
    rem(member: string): number | null;
    rank(member: string): number | null;
    range(start: number, stop: number): string[];
  }
}
