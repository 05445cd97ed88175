import { fireEvent, render, screen } from '@testing-library/svelte';
import { compile } from 'svelte/compiler';
import { describe, expect, it } from 'vitest';
import { track } from '../test/fixtures';
import TrackCard from './TrackCard.svelte';
import source from './TrackCard.svelte?raw';

// jsdom does not apply component stylesheets, so the rules themselves are read from the
// compiled CSS; the e2e run checks the computed style in a real Chromium.
function compiledCss(): string {
  const css = compile(source, { filename: 'TrackCard.svelte', css: 'external' }).css?.code ?? '';
  return css
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/:where\(\.svelte-[a-z0-9]+\)|\.svelte-[a-z0-9]+/g, '')
    .replace(/\s+/g, ' ');
}

/** The declarations of the rule whose selector list is exactly `selector`. */
function rule(css: string, selector: string): string {
  const escaped = selector.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s*');
  const match = new RegExp(`(?:^|})\\s*${escaped}\\s*\\{([^}]*)\\}`).exec(css);
  if (!match) throw new Error(`no rule for ${selector} in:\n${css}`);
  return match[1];
}

describe('TrackCard', () => {
  it('marks playlist tracks and recommendations with their own class', () => {
    const { container: a } = render(TrackCard, { props: { track: track(1, 'Solid'), variant: 'playlist' } });
    const { container: b } = render(TrackCard, { props: { track: track(2, 'Dashed'), variant: 'recommendation' } });
    expect(a.querySelector('.track-card')).toHaveClass('track-card--playlist');
    expect(b.querySelector('.track-card')).toHaveClass('track-card--recommendation');
    expect(a.querySelector('.track-card')).not.toHaveClass('track-card--recommendation');
  });

  it('defaults to the playlist look', () => {
    const { container } = render(TrackCard, { props: { track: track(1) } });
    expect(container.querySelector('.track-card')).toHaveClass('track-card--playlist');
  });

  it('styles playlist cards solid, recommendations dashed at 0.7 opacity, full on hover and focus', () => {
    const css = compiledCss();
    expect(rule(css, '.track-card')).toMatch(/border: 1px solid/);
    const rec = rule(css, '.track-card--recommendation');
    expect(rec).toMatch(/border-style: dashed/);
    expect(rec).toMatch(/opacity: 0\.7;/);
    const lit = rule(css, '.track-card--recommendation:hover, .track-card--recommendation:focus-within');
    expect(lit).toMatch(/opacity: 1;/);
  });

  it('shows title, artist display name and handle, and its position', () => {
    render(TrackCard, { props: { track: track(4, 'Harbour Lights'), position: 12 } });
    expect(screen.getByText('Harbour Lights')).toBeInTheDocument();
    expect(screen.getByText(/Artist 4/)).toBeInTheDocument();
    expect(screen.getByText(/@artist4\.test/)).toBeInTheDocument();
    expect(screen.getByText('12')).toHaveAttribute('aria-hidden', 'true');
  });

  it('keeps the full title and artist line in a tooltip, for text cut short on a narrow screen', () => {
    render(TrackCard, { props: { track: track(4, 'Harbour Lights (extended version)') } });
    expect(screen.getByText('Harbour Lights (extended version)')).toHaveAttribute(
      'title',
      'Harbour Lights (extended version)',
    );
    expect(screen.getByText(/Artist 4/)).toHaveAttribute('title', 'Artist 4 @artist4.test');
  });

  it('draws a dimmed card in colours that keep 4.5:1 at its opacity, and lets its buttons wrap', () => {
    const css = compiledCss();
    const rec = rule(css, '.track-card--recommendation');
    expect(rec).toMatch(/--muted: var\(--muted-dimmed\)/);
    expect(rec).toMatch(/--accent: var\(--accent-dimmed\)/);
    expect(rule(css, '.track-card.track-card--recommendation .handle')).toMatch(/opacity: 1;/);
    expect(rule(css, '.track-card')).toMatch(/flex-wrap: wrap/);
  });

  it('falls back to the handle when there is no display name', () => {
    render(TrackCard, { props: { track: { ...track(5, 'Untitled'), artist_display_name: null } } });
    expect(screen.getByText('artist5.test')).toBeInTheDocument();
  });

  it('replaces a cover image that fails to load with a placeholder', async () => {
    const { container } = render(TrackCard, {
      props: { track: { ...track(6), image_url: 'http://127.0.0.1:9/missing.png' } },
    });
    const img = container.querySelector('img');
    expect(img).toHaveAttribute('src', 'http://127.0.0.1:9/missing.png');
    expect(img).toHaveAttribute('alt', '');
    await fireEvent.error(img!);
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('.art-placeholder')).toBeInTheDocument();
  });
});
