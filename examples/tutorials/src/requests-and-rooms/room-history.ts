/** One line of a room's history. */
export interface HistoryLine {
  readonly from: number;
  readonly text: string;
}

/**
 * The last lines said in each room. Peers choose the room names, so both dimensions are bounded:
 * at most `maxLines` per room, at most `maxRooms` rooms (the room written to least recently is
 * forgotten first).
 */
export class RoomHistory {
  private readonly rooms = new Map<string, HistoryLine[]>();

  constructor(
    readonly maxRooms = 100,
    readonly maxLines = 50,
  ) {}

  /** Remember `line` as the newest of `room`. */
  add(room: string, line: HistoryLine): void {
    const lines = this.rooms.get(room) ?? [];
    this.rooms.delete(room); // re-inserted last: a Map iterates in insertion order
    this.rooms.set(room, lines);
    lines.push(line);
    if (lines.length > this.maxLines) lines.shift();
    const oldest = this.rooms.keys().next();
    if (this.rooms.size > this.maxRooms && oldest.done !== true) this.rooms.delete(oldest.value);
  }

  /** The lines of `room`, oldest first (a copy). */
  lines(room: string): HistoryLine[] {
    return [...(this.rooms.get(room) ?? [])];
  }
}
