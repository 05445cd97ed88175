"""Word lists for the demo catalog's made-up names: each style has its own flavour.

Nothing here names a real artist or record; names are drawn from these lists with a fixed
seed, so every demo build is identical.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FIRST_NAMES", "LAST_NAMES", "STYLES", "TITLE_SUFFIXES", "Style"]


@dataclass(frozen=True, slots=True)
class Style:
    name: str
    colors: tuple[str, str]  # cover gradient
    adjectives: tuple[str, ...]
    nouns: tuple[str, ...]
    # str.format patterns with {first}, {last}, {adj}, {noun}
    artist_patterns: tuple[str, ...]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split(","))


STYLES: tuple[Style, ...] = (
    Style(
        "Ambient",
        ("#1d3557", "#a8dadc"),
        _words("Slow,Distant,Pale,Weightless,Quiet,Glacial,Hollow,Soft,Endless,Still"),
        _words("Drift,Haze,Tide,Horizon,Lumen,Vapor,Aurora,Echo,Fog,Field,Shore,Cloud"),
        ("{adj} {noun}", "{noun} Theory", "{first} {last}"),
    ),
    Style(
        "Techno",
        ("#111111", "#e63946"),
        _words("Hard,Cold,Dark,Raw,Binary,Industrial,Modular,Heavy,Minimal,Acid"),
        _words("Pulse,Circuit,Grid,Voltage,Strobe,Machine,Sector,Signal,Loop,Core,Tunnel"),
        ("DJ {noun}", "{noun} Unit", "{adj} {noun}", "{last}"),
    ),
    Style(
        "Jazz",
        ("#3d2b1f", "#d4a373"),
        _words("Blue,Smoky,Velvet,Late,Cool,Brass,Easy,Round,Sly,Midnight"),
        _words("Lounge,Cellar,Swing,Moon,Satin,Bop,Stroll,Avenue,Ballad,Hour,Corner"),
        ("{first} {last} Quartet", "{first} {last} Trio", "The {noun} Five"),
    ),
    Style(
        "Folk",
        ("#606c38", "#fefae0"),
        _words("Old,Little,Wandering,Golden,Quiet,Northern,Wild,Gentle,Lonely,Green"),
        _words("Willow,Meadow,River,Hearth,Lantern,Orchard,Barley,Harbor,Pine,Sparrow,Creek"),
        ("{first} {last}", "The {noun} Band", "{first} & the {noun}s"),
    ),
    Style(
        "Hip-Hop",
        ("#ffb703", "#023047"),
        _words("Concrete,Golden,Street,Heavy,Fresh,Real,Late,Uptown,Crooked,Royal"),
        _words("Block,Cipher,Crown,Verse,Hustle,Corner,Static,Breaks,Metro,Kings,Stoop"),
        ("MC {noun}", "Lil {noun}", "{adj} {noun} Crew", "{first} {noun}"),
    ),
    Style(
        "Metal",
        ("#2b2d42", "#8d99ae"),
        _words("Iron,Black,Burning,Frozen,Eternal,Savage,Crimson,Fallen,Grim,Molten"),
        _words("Inferno,Obsidian,Thunder,Abyss,Serpent,Forge,Ash,Storm,Throne,Blade,Ruin"),
        ("{adj} {noun}", "{noun}fall", "Throne of {noun}", "{noun} Legion"),
    ),
    Style(
        "Classical",
        ("#f1faee", "#457b9d"),
        _words("Nocturne,Sonata,Etude,Prelude,Adagio,Fugue,Romance,Serenade,Impromptu,Aria"),
        _words("C major,D minor,E-flat,F-sharp minor,G major,A minor,B-flat,E minor,A major"),
        ("{first} {last}", "{last} Ensemble", "{last} String Quartet", "{first} {last}"),
    ),
    Style(
        "Reggae",
        ("#2a9d8f", "#e9c46a"),
        _words("Sunny,Easy,Roots,Island,Irie,Rising,Conscious,Humble,Natural,Sweet"),
        _words("Zion,Yard,Lion,Harbour,Rock,Breeze,Dub,Sunrise,Riddim,Shore,Valley"),
        ("{first} {last}", "The {noun} Sound", "{adj} {noun}s"),
    ),
    Style(
        "Synthwave",
        ("#3a0ca3", "#f72585"),
        _words("Neon,Chrome,Electric,Midnight,Turbo,Infinite,Retro,Pastel,Digital,Laser"),
        _words("Arcade,Sunset,Cruise,Hologram,Drive,Skyline,Boulevard,Horizon,Runner,Grid"),
        ("{adj} {noun}", "{noun} 84", "{last} {noun}"),
    ),
    Style(
        "Blues",
        ("#14213d", "#4895ef"),
        _words("Muddy,Lonesome,Rainy,Low-down,Dusty,Crooked,Weary,Smoky,Midnight,Howling"),
        _words("Delta,Crossroads,Railroad,Bayou,Levee,Juke,Porch,Train,River,Shack,Moan"),
        ("{first} '{noun}' {last}", "{adj} {first}", "{first} {last}"),
    ),
    Style(
        "Bossa Nova",
        ("#ff9f1c", "#2ec4b6"),
        _words("Doce,Bela,Tarde,Azul,Suave,Morena,Nova,Pequena,Clara,Linda"),
        _words("Brisa,Saudade,Sol,Mar,Lua,Praia,Flor,Samba,Janela,Rio,Onda"),
        ("{first} {last}", "Trio {noun}", "{first} e {noun}"),
    ),
    Style(
        "Drum & Bass",
        ("#0b090a", "#38b000"),
        _words("Rolling,Liquid,Deep,Dark,Fast,Heavy,Twisted,Atomic,Sonic,Urban"),
        _words("Amen,Jungle,Sub,Reese,Breakbeat,Pressure,Velocity,Shadow,Bassline,Tempo"),
        ("{noun} Theory", "{adj} {noun}", "{last} & {first}", "{noun}mechanic"),
    ),
    Style(
        "Lo-fi",
        ("#cdb4db", "#ffafcc"),
        _words("Rainy,Sleepy,Cozy,Lazy,Warm,Faded,Sunday,Little,Late,Hazy"),
        _words("Cassette,Study,Coffee,Tape,Window,Polaroid,Attic,Vinyl,Afternoon,Notebook"),
        ("{adj} {noun}", "{noun} Club", "{first}.{noun}"),
    ),
    Style(
        "Country",
        ("#bc6c25", "#dda15e"),
        _words("Dusty,Long,Lonesome,Southern,Red,Open,Old,Wide,Honky-tonk,Gravel"),
        _words("Highway,Tumbleweed,Ranch,Prairie,Saddle,Boots,Porch,Pickup,Rodeo,Fence,Road"),
        ("{first} {last}", "The {last} Brothers", "{first} {last} & the {noun}s"),
    ),
    Style(
        "Soul",
        ("#9d0208", "#ffba08"),
        _words("Sweet,Golden,Tender,Silky,Warm,Deep,True,Burning,Slow,Heavenly"),
        _words("Honey,Heart,Groove,Satin,Fire,Harmony,Devotion,Love,Soul,Feeling,Glow"),
        ("{first} {last}", "{first} {last} & the {noun}s", "The {adj} {noun}s"),
    ),
)

FIRST_NAMES = _words(
    "Ada,Ben,Cleo,Dara,Eli,Faye,Gus,Hana,Ivo,June,Kit,Lena,Milo,Nia,Otis,Pia,Quinn,Rosa,"
    "Sami,Tess,Ugo,Vera,Wes,Xena,Yuri,Zoe,Abe,Bea,Cal,Dot,Ezra,Flo,Gil,Ida,Jay,Kai,Lou,Mae"
)
LAST_NAMES = _words(
    "Adler,Baker,Castillo,Dunn,Ellis,Foster,Garza,Holt,Ivers,Jansen,Keane,Lowe,Moreau,Nash,"
    "Okafor,Pryce,Quill,Reyes,Sato,Thorne,Ueda,Vance,Wilde,Xu,Young,Zeller,Abbott,Brandt,"
    "Cole,Drake,Esposito,Finch,Greer,Hale,Ibarra,Jory,Kline,Lund,Mercer,Novak"
)
TITLE_SUFFIXES = (" (Reprise)", " Pt. II", " (Night Version)", " (Live)", " (Edit)")
