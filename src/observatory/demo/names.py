"""People's names: pools drawn once from Faker (seeded), extra real names and a nickname table.

Faker is used for names only. Its en_GB forenames are all ASCII, so real names with accents and
apostrophes (Zoë, Seán, Muñoz, O'Brien) and common north-east Scottish surnames are mixed in.
Every name here can be written in Windows-1252, the encoding of the council tax extract.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from faker import Faker

from observatory.demo.randomness import stream

POOL_SIZE = 5000
EXTRA_FORENAME_SHARE = 0.06
SCOTTISH_SURNAME_SHARE = 0.08
ACCENTED_SURNAME_SHARE = 0.03

EXTRA_FORENAMES_FEMALE = (
    "Zoë", "Chloé", "Renée", "Siân", "Aoife", "Niamh", "Róisín", "Agnieszka", "Zofia", "Priya",
    "Aisha", "Fatima", "Isla", "Eilidh", "Mhairi", "Morag", "Ailsa", "Kirsteen",
)  # fmt: skip
EXTRA_FORENAMES_MALE = (
    "José", "Seán", "Rónán", "Oisín", "Tomasz", "Krzysztof", "Ahmed", "Rajesh", "Hamish", "Alasdair",
    "Fraser", "Euan", "Ruaridh", "Angus", "Calum", "Lachlan",
)  # fmt: skip
SCOTTISH_SURNAMES = (
    "Milne", "Duguid", "Cruickshank", "Forbes", "Mackie", "Sutherland", "McKenzie", "MacLeod", "Paterson",
    "Robertson", "Reid", "Gray", "Ross", "Mackay", "Strachan", "Ritchie", "Mair", "Gordon", "Leslie",
    "Buchan", "Innes", "Ogston", "Skene", "Farquharson", "Grant", "Fraser", "Christie", "Rennie",
)  # fmt: skip
ACCENTED_SURNAMES = (
    "O'Brien", "O'Neill", "O'Reilly", "O'Donnell", "D'Souza", "D'Arcy", "Muñoz", "Núñez", "Pérez", "García",
    "Gómez", "Fernández", "Sánchez", "Ibáñez", "Müller", "Schäfer", "Lefèvre", "Brontë",
)  # fmt: skip

NICKNAMES: dict[str, tuple[str, ...]] = {
    # female
    "Abigail": ("Abbie", "Abby"), "Alexandra": ("Alex", "Lexi", "Sandra"), "Alison": ("Ali",),
    "Amanda": ("Mandy",), "Amelia": ("Millie", "Amy"), "Andrea": ("Andi",), "Angela": ("Angie",),
    "Barbara": ("Babs", "Barbie"), "Bethany": ("Beth",), "Carolyn": ("Carol",), "Caroline": ("Carrie",),
    "Catherine": ("Cathy", "Kate", "Katie"), "Charlotte": ("Lottie", "Charlie"), "Christine": ("Chris", "Chrissie"),
    "Danielle": ("Dani",), "Deborah": ("Debbie", "Debs"), "Debra": ("Debbie",), "Dorothy": ("Dot", "Dottie"),
    "Eleanor": ("Ellie", "Nell"), "Elizabeth": ("Liz", "Beth", "Lizzie", "Betty", "Eliza"), "Frances": ("Fran",),
    "Francesca": ("Fran", "Frankie"), "Georgina": ("Georgie", "Gina"), "Gillian": ("Gill", "Jill"),
    "Harriet": ("Hattie",), "Jacqueline": ("Jackie",), "Janet": ("Jan",), "Jennifer": ("Jen", "Jenny"),
    "Jessica": ("Jess",), "Joanna": ("Jo",), "Joanne": ("Jo",), "Josephine": ("Jo", "Josie"), "Judith": ("Judy",),
    "Katherine": ("Kate", "Kathy"), "Kathleen": ("Kath", "Kathy"), "Kathryn": ("Kate", "Kath"),
    "Kimberley": ("Kim",), "Lesley": ("Les",), "Lynda": ("Lyn",), "Margaret": ("Maggie", "Peggy", "Meg", "Margo"),
    "Melanie": ("Mel",), "Melissa": ("Mel", "Missy"), "Michelle": ("Shelley",), "Natalie": ("Nat",),
    "Natasha": ("Tash", "Tasha"), "Nicola": ("Nicky", "Nikki"), "Olivia": ("Liv", "Livvy"), "Pamela": ("Pam",),
    "Patricia": ("Pat", "Trish", "Tricia"), "Rebecca": ("Becky", "Becca"), "Rosemary": ("Rosie", "Rose"),
    "Samantha": ("Sam", "Sammy"), "Sandra": ("Sandy",), "Stephanie": ("Steph",), "Susan": ("Sue", "Suzy"),
    "Suzanne": ("Sue", "Suzy"), "Teresa": ("Tess", "Terri"), "Valerie": ("Val",), "Victoria": ("Vicky", "Tori"),
    "Yvonne": ("Vonnie",), "Geraldine": ("Gerry",), "Eilidh": ("Helen",), "Mhairi": ("Mary",),
    # male
    "Albert": ("Bert", "Albie"), "Alexander": ("Alex", "Sandy", "Xander"), "Alasdair": ("Alistair", "Ali"),
    "Andrew": ("Andy", "Drew"), "Anthony": ("Tony", "Ant"), "Antony": ("Tony",), "Arthur": ("Art",),
    "Benjamin": ("Ben", "Benny"), "Bernard": ("Bernie",), "Bradley": ("Brad",), "Callum": ("Cal",),
    "Charles": ("Charlie", "Chas"), "Christopher": ("Chris", "Kit"), "Clifford": ("Cliff",), "Daniel": ("Dan", "Danny"),
    "David": ("Dave", "Davy"), "Dominic": ("Dom",), "Donald": ("Don", "Donnie"), "Douglas": ("Doug", "Dougie"),
    "Edward": ("Ed", "Eddie", "Ted"), "Frederick": ("Fred", "Freddie"), "Francis": ("Frank",), "Gareth": ("Gaz",),
    "Geoffrey": ("Geoff",), "Gerald": ("Gerry",), "Gerard": ("Gerry",), "Gregory": ("Greg",), "Hamish": ("James",),
    "Henry": ("Harry", "Hal"), "James": ("Jim", "Jimmy", "Jamie"), "Jeffrey": ("Jeff",), "John": ("Jack", "Johnny"),
    "Jonathan": ("Jon", "Jonny"), "Joseph": ("Joe", "Joey"), "Joshua": ("Josh",), "Kenneth": ("Ken", "Kenny"),
    "Lawrence": ("Larry", "Laurie"), "Leonard": ("Len", "Lenny"), "Malcolm": ("Mal",), "Mathew": ("Matt",),
    "Matthew": ("Matt",), "Michael": ("Mike", "Mick", "Micky"), "Mitchell": ("Mitch",), "Nicholas": ("Nick", "Nicky"),
    "Oliver": ("Ollie",), "Patrick": ("Pat", "Paddy"), "Peter": ("Pete",), "Philip": ("Phil",), "Phillip": ("Phil",),
    "Raymond": ("Ray",), "Richard": ("Rich", "Rick", "Dick"), "Robert": ("Bob", "Rob", "Bobby", "Robbie"),
    "Ronald": ("Ron", "Ronnie"), "Samuel": ("Sam", "Sammy"), "Stanley": ("Stan",), "Stephen": ("Steve",),
    "Steven": ("Steve",), "Terence": ("Terry", "Tel"), "Thomas": ("Tom", "Tommy"), "Timothy": ("Tim", "Timmy"),
    "Victor": ("Vic",), "Vincent": ("Vince", "Vinny"), "William": ("Bill", "Will", "Billy", "Liam"),
    "Zachary": ("Zac",), "Nathan": ("Nate",), "Gary": ("Gaz",), "Darren": ("Daz",), "Barry": ("Baz",),
    "Cameron": ("Cam",), "Rajesh": ("Raj",), "Tomasz": ("Tom",), "Krzysztof": ("Chris",), "Seán": ("Sean",),
}  # fmt: skip
"""Formal forename -> the short or alternative forms people are also known by."""


@dataclass(frozen=True)
class NamePools:
    """Forenames by sex and surnames, each a sample of ``POOL_SIZE`` drawn with realistic frequency."""

    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[str, ...]

    def forename(self, rng: random.Random, sex: str) -> str:
        pool = self.female if sex == "F" else self.male
        return pool[int(rng.random() * len(pool))]

    def surname(self, rng: random.Random) -> str:
        return self.surnames[int(rng.random() * len(self.surnames))]


def _mix(rng: random.Random, pool: list[str], extras: tuple[str, ...], share: float) -> None:
    for i in range(len(pool)):
        if rng.random() < share:
            pool[i] = rng.choice(extras)


def draw_name_pools(seed: int, size: int = POOL_SIZE) -> NamePools:
    """Draw the pools from a Faker seeded with ``seed`` (the slow part, done once per generation)."""
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    female = [fake.first_name_female() for _ in range(size)]
    male = [fake.first_name_male() for _ in range(size)]
    surnames = [fake.last_name() for _ in range(size)]
    rng = stream(seed, "names")
    _mix(rng, female, EXTRA_FORENAMES_FEMALE, EXTRA_FORENAME_SHARE)
    _mix(rng, male, EXTRA_FORENAMES_MALE, EXTRA_FORENAME_SHARE)
    _mix(rng, surnames, SCOTTISH_SURNAMES, SCOTTISH_SURNAME_SHARE)
    _mix(rng, surnames, ACCENTED_SURNAMES, ACCENTED_SURNAME_SHARE)
    return NamePools(tuple(female), tuple(male), tuple(surnames))
