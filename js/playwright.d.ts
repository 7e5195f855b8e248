// Types of rtcroom/playwright (js/playwright.js, js/playwright-net.js).
// Runs in Node, in the Playwright test runner.
import type {
  Browser, BrowserContext, BrowserContextOptions, LaunchOptions, Page,
  TestType, PlaywrightTestArgs, PlaywrightTestOptions, PlaywrightWorkerArgs, PlaywrightWorkerOptions, Expect,
} from '@playwright/test';
import type { ChildProcess, SpawnOptions } from 'node:child_process';

/** Chromium flags for WebRTC tests: fake media without prompts, loopback ICE, autoplay, no throttling. */
export declare const CHROMIUM_ARGS: readonly string[];

export interface PresetOptions {
  /** Passed through as is (nothing is ever downloaded); e.g. '/usr/bin/chromium'. */
  executablePath?: string;
  /** Added after CHROMIUM_ARGS. */
  args?: string[];
  /** Default true. */
  headless?: boolean;
}

/** `launchOptions` for chromium.launch or a config's `use.launchOptions`. */
export declare function launchOptions(options?: PresetOptions): LaunchOptions;

/** A config's `use`: Chromium with {@link launchOptions}, camera and microphone granted. */
export declare function rtcroomUse(options?: PresetOptions): {
  browserName: 'chromium';
  headless: boolean;
  launchOptions: LaunchOptions;
  permissions: string[];
};

/** Hex colours RRGGBB; participant i of the fixture gets `COLOURS[i]`. */
export declare const COLOURS: readonly string[];
/** Default per-channel tolerance of colour checks (60). */
export declare const TOLERANCE: number;

export interface FakeCameraOptions {
  /** Width and height of the canvas when getUserMedia asks for none (default 640x480). */
  width?: number;
  height?: number;
  /** Frames per second (default 15). */
  fps?: number;
  /** A band of changing noise at the top, so the encoder uses a camera-like bitrate (default false). */
  noise?: boolean;
}

/**
 * Installs in `context`'s later pages the hook the assertions use and, unless
 * `colour` is null, a fake camera: getUserMedia's video is a canvas of that
 * colour (audio stays the browser's).
 */
export declare function installFakeMedia(context: BrowserContext | Page, options?: FakeCameraOptions & { colour?: string | null }): Promise<void>;
/** Only the hook (pages that make their own media). */
export declare function installRtcroomHook(context: BrowserContext | Page): Promise<void>;

/** A participant of the fixture: its own context and page, with a fake camera of `colour`. */
export interface TestParticipant {
  readonly name: string;
  /** The fake camera's current colour (hex RRGGBB). */
  colour: string;
  readonly context: BrowserContext;
  readonly page: Page;
  /** The browser it runs in when {@link FaultyNetwork.launchParticipant} launched one for it; else null. */
  readonly browser: Browser | null;
  /** Its rtcroom participant id, once the page joined a room (waits up to `timeout` ms, default 30 s). */
  id(timeout?: number): Promise<string>;
  /** Changes its fake camera's colour. */
  setColour(hex: string): Promise<void>;
}

export interface ParticipantOptions {
  name?: string;
  /** Hex RRGGBB (default COLOURS[0]). */
  colour?: string;
  /** Default ['camera', 'microphone']. */
  permissions?: string[];
  contextOptions?: BrowserContextOptions;
  camera?: FakeCameraOptions;
}

/** Opens a participant in a new context of `browser`. */
export declare function openParticipant(browser: Browser, options?: ParticipantOptions): Promise<TestParticipant>;

/** The participant id of the one rtcroom room `page` joined (waits for the join). */
export declare function participantId(page: Page, timeout?: number): Promise<string>;

/** Whose media to expect: a participant id, or a participant of the fixture. */
export type From = string | { readonly id: string } | TestParticipant;

export interface ReceivingVideoOptions {
  from: From;
  /** Hex RRGGBB the centre pixel must show; defaults to `from`'s camera colour for a fixture participant, else any picture. */
  colour?: string;
  /** Per channel, default 60. */
  tolerance?: number;
  /** Default 30000 ms. */
  timeout?: number;
}

/** The sample that passed. */
export interface VideoSample {
  track: string;
  element: number;
  width: number;
  height: number;
  rgb?: [number, number, number];
  framesDecoded: number;
  rendered: number;
  bytes: number;
  packets: number;
  lost: number;
  paused: boolean;
  muted: boolean;
}

export interface AudioSample {
  track: string;
  bytes: number;
  packets: number;
  lost: number;
  samples: number;
  energy: number;
  level: number;
  muted: boolean;
}

/**
 * Resolves once `page` receives live video from `from`: decoded frames
 * (inbound-rtp `framesDecoded`) and a `<video>` element's rendered frames
 * increase, and its centre pixel shows `colour`. Rejects after `timeout`.
 */
export declare function expectReceivingVideo(page: Page, options: ReceivingVideoOptions): Promise<VideoSample>;

/**
 * Resolves once `page` receives audio from `from`: inbound-rtp bytes and
 * samples increase; with `audible: true` its audio energy too (not silence;
 * Chromium measures it only while the page plays the track). Rejects after `timeout`.
 */
export declare function expectReceivingAudio(page: Page, options: { from: From; audible?: boolean; timeout?: number }): Promise<AudioSample>;

/** A fault in place; `clear()` undoes it (idempotent). */
export interface Fault {
  readonly description: string;
  clear(): void;
}

export interface NetOptions {
  /** Participant namespaces (default 2). */
  participants?: number;
  /** The TCP port `cutSocket` cuts (default 8080, {@link SERVER_PORT}). */
  serverPort?: number;
  /** Checked to exist (default: not checked by Net; FaultyNetwork's fixture checks '/usr/bin/chromium'). */
  executablePath?: string | null;
}

export declare const SERVER_PORT: number;

/** Why network faults cannot run here (not Linux, not root, no ip/nft/tc, no browser), or null. */
export declare function canRun(options?: { executablePath?: string | null }): string | null;
/** Deletes namespaces left by crashed runs (whose owner PID is dead); returns their names. */
export declare function sweepStale(): string[];
/** Resolves with the match once `child`'s output matches `pattern`; rejects if it exits first or after `timeoutMs`. */
export declare function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;

/**
 * Namespaces `rf<pid>x<n>{r,s,p1..}`: a router, a server (10.77.0.2, link 0)
 * and participants (10.77.i.2, link i) on veth pairs. Linux, root only.
 */
export declare class Net {
  constructor(options?: NetOptions);
  readonly prefix: string;
  /** Namespace names. */
  readonly router: string;
  readonly server: string;
  readonly participants: readonly string[];
  readonly serverPort: number;
  readonly serverAddr: string;
  /** `http://serverAddr:serverPort`. */
  readonly baseURL: string;
  /** Address of participant i (1-based). */
  addr(i: number): string;
  /** Runs a command inside a namespace (e.g. your server in `net.server`); killed by PID on destroy. */
  spawnIn(ns: string, cmd: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** An executable that runs the browser inside participant i's namespace (for `executablePath`). */
  chromiumWrapper(i: number, executablePath?: string): string;
  chromiumPidFile(i: number): string;
  chromiumPid(i: number): number;
  /** Drops participant i's traffic to and from the other participants (not the server). */
  blackholeMedia(i: number, options?: { udpOnly?: boolean }): Fault;
  /** Drops every packet of participant i. */
  blackholeAll(i: number): Fault;
  /** Drops `percent` % (integer 0..100) of participant i's media packets, both directions; `counts()`: packets the router saw on that path and dropped, since. */
  loss(i: number, percent: number): Fault & { counts(): { seen: number; dropped: number } };
  /** Drops participant i's TCP to and from the server's `port` (default serverPort). */
  cutSocket(i: number, port?: number): Fault;
  /** tbf on participant i's link: `in` (towards it), `out` (what it sends) or `both` (default). */
  limitBandwidth(i: number, options?: { rate?: string; burst?: string; latency?: string; direction?: 'both' | 'in' | 'out' }): Fault;
  /** Takes the router's side of link n down (0: the server's). */
  linkDown(n: number): Fault;
  /** Undoes every fault in place. */
  clearFaults(): void;
  /** The router's nftables table, for reports. */
  ruleset(): string;
  /** Every namespace's qdiscs, for reports. */
  qdiscs(): string;
  /** Kills what runs in the namespaces (by PID) and deletes them. Idempotent. */
  destroySync(): void;
}

export interface LaunchedParticipant extends TestParticipant {
  readonly browser: Browser;
  /** PID of its Chromium. */
  readonly pid: number;
  /** SIGKILLs its browser. */
  kill(): void;
}

/** A {@link Net} that also launches Chromium inside participant namespaces. */
export declare class FaultyNetwork extends Net {
  launchParticipant(i: number, options?: Omit<ParticipantOptions, 'permissions'> & { executablePath?: string; args?: string[] }): Promise<LaunchedParticipant>;
  /** Closes its browsers and destroys the namespaces. */
  close(): Promise<void>;
}

export interface RtcroomFixtures {
  /** Opens `count` participants (default 2), each with COLOURS[i] (or `colours[i]`); closed after the test. */
  participants(count?: number, options?: Omit<ParticipantOptions, 'name' | 'colour'> & { names?: string[]; colours?: readonly string[] }): Promise<TestParticipant[]>;
  /** A FaultyNetwork, removed after the test whatever its outcome; skips the test when faults cannot run (not root). */
  faultyNetwork(options?: NetOptions): Promise<FaultyNetwork>;
}

export declare const test: TestType<
  PlaywrightTestArgs & PlaywrightTestOptions & RtcroomFixtures,
  PlaywrightWorkerArgs & PlaywrightWorkerOptions
>;
export declare const expect: Expect;
