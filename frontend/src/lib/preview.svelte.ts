// Track previews: one <audio> for the whole page, so starting one preview stops any other.
// A component asks `preview.isPlaying(url)` to draw its button and calls `preview.toggle(url)`.

class Preview {
  /** The URL playing now, or null. Reactive: buttons follow it. */
  playing = $state<string | null>(null);
  /** The URL that last failed to play, so its button can say so. */
  failed = $state<string | null>(null);
  #audio: HTMLAudioElement | null = null;

  isPlaying(url: string): boolean {
    return this.playing === url;
  }

  /** Play `url` (stopping whatever played), or pause it if it is the one playing. */
  toggle(url: string): void {
    if (this.playing === url) {
      this.stop();
      return;
    }
    const audio = this.#element();
    if (this.playing) audio.pause();
    audio.src = url;
    this.playing = url;
    this.failed = null;
    // play() rejects when the browser refuses (autoplay rules) or the file cannot load.
    Promise.resolve(audio.play()).catch(() => {
      if (this.playing === url) {
        this.playing = null;
        this.failed = url;
      }
    });
  }

  /** Stop playing (leaving the page section, or the track is gone). */
  stop(): void {
    if (this.playing) this.#audio?.pause();
    this.playing = null;
  }

  #element(): HTMLAudioElement {
    if (!this.#audio) {
      const audio = new Audio();
      audio.preload = 'none';
      // Ended, or paused by the browser or the system's media keys: the buttons follow.
      const done = () => {
        this.playing = null;
      };
      audio.addEventListener('ended', done);
      audio.addEventListener('pause', done);
      this.#audio = audio;
    }
    return this.#audio;
  }
}

export const preview = new Preview();
