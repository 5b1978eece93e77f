"""Force matching: any alias or code, any case."""

import pytest

from crimestat.errors import UnknownForceError
from crimestat.loaders.forces import load_forces


@pytest.fixture(scope="module")
def registry():
    return load_forces()


@pytest.mark.parametrize(
    "name, code",
    [
        ("warwickshire", "E23000017"),
        ("Warwickshire Police", "E23000017"),
        ("WARWICKSHIRE", "E23000017"),
        ("E23000017", "E23000017"),
        ("e23000017", "E23000017"),
        ("devon & cornwall", "E23000035"),
        ("Devon and Cornwall Police", "E23000035"),
        ("devon-and-cornwall", "E23000035"),
        ("City of London", "E23000034"),
        ("London, City of", "E23000034"),
        ("Avon & Somerset Constabulary", "E23000036"),
        ("Metropolitan Police Service", "E23000001"),
        ("Dyfed Powys", "W15000004"),
        ("British Transport Police", "BTP"),
    ],
)
def test_aliases(registry, name, code):
    assert registry.get(name).code == code


def test_unknown_force_suggests_nearest(registry):
    with pytest.raises(UnknownForceError) as err:
        registry.get("Warwikshire")
    assert str(err.value) == ("unknown force 'Warwikshire'; did you mean 'Warwickshire' or 'Wiltshire'? "
                              "(`crimestat forces` lists every name and code)")
    assert err.value.exit_code == 2


def test_unknown_force_without_near_names_lists_all(registry):
    with pytest.raises(UnknownForceError) as err:
        registry.get("zzzz")
    assert "known forces: Action Fraud, Avon and Somerset, Bedfordshire" in str(err.value)


@pytest.mark.parametrize("name, expected", [
    ("Met", "Metropolitan Police"), ("MPS", "Metropolitan Police"), ("GMP", "Greater Manchester"),
    ("TVP", "Thames Valley"), ("Hants", "Hampshire"), ("Herts", "Hertfordshire"), ("Notts", "Nottinghamshire"),
    ("Northants", "Northamptonshire"), ("Warks", "Warwickshire"), ("West Mids", "West Midlands"),
    ("D&C", "Devon and Cornwall"), ("Heddlu Dyfed-Powys", "Dyfed-Powys"), ("Heddlu Gogledd Cymru", "North Wales"),
    ("Heddlu De Cymru", "South Wales"), ("Heddlu Gwent", "Gwent"),
])
def test_common_short_and_welsh_names(registry, name, expected):
    assert registry.get(name).name == expected
