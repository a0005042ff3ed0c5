"""Stock facts CSV: valid rows parse, EPC spellings map, every refused cell names row and field."""

from __future__ import annotations

from dampwatch.stockfacts import (
    AgeBand,
    BuiltForm,
    EnergyBand,
    MainHeating,
    PropertyType,
    RowError,
    StockFacts,
    WallType,
    parse_stock_csv,
)

HEADER = (
    "home_id,energy_band,property_type,built_form,age_band,wall_type,main_heating,floor_area_m2"
)


def test_our_values_and_the_epc_registers_spellings_parse() -> None:
    text = (
        f"{HEADER}\n"
        "H1,D,house,mid-terrace,before 1900,solid brick,gas boiler,71\n"
        'H2,c,House,Semi-Detached,England and Wales: 1930-1949,"Cavity wall, filled cavity",'
        '"Boiler and radiators, mains gas",82.5\n'
        'H3,E,Flat,Enclosed End-Terrace,2015,"Solid brick, as built, no insulation (assumed)",'
        '"Electric storage heaters",\n'
        "H4,,,,,,,\n"
    )
    facts, errors = parse_stock_csv(text)
    assert errors == []
    assert facts == [
        StockFacts(
            "H1",
            EnergyBand.D,
            PropertyType.HOUSE,
            BuiltForm.MID_TERRACE,
            AgeBand.BEFORE_1900,
            WallType.SOLID_BRICK,
            MainHeating.GAS_BOILER,
            71.0,
        ),
        StockFacts(
            "H2",
            EnergyBand.C,
            PropertyType.HOUSE,
            BuiltForm.SEMI_DETACHED,
            AgeBand.FROM_1930,
            WallType.CAVITY_INSULATED,
            MainHeating.GAS_BOILER,
            82.5,
        ),
        StockFacts(
            "H3",
            EnergyBand.E,
            PropertyType.FLAT,
            BuiltForm.ENCLOSED_END_TERRACE,
            AgeBand.FROM_2012,
            WallType.SOLID_BRICK,
            MainHeating.ELECTRIC_STORAGE,
            None,
        ),
        StockFacts("H4"),
    ]


def test_epc_register_column_names_and_unknowns() -> None:
    text = (
        "HOME_ID,CURRENT_ENERGY_RATING,CONSTRUCTION_AGE_BAND,WALLS_DESCRIPTION,TOTAL_FLOOR_AREA\n"
        'H1,B,NO DATA!,"Timber frame, as built, insulated (assumed)",55\n'
    )
    facts, errors = parse_stock_csv(text)
    assert errors == []
    assert facts == [
        StockFacts("H1", EnergyBand.B, wall_type=WallType.TIMBER_FRAME, floor_area_m2=55.0)
    ]


def test_each_refused_cell_names_its_row_field_and_the_allowed_values() -> None:
    text = (
        f"{HEADER},colour\n"
        "H1,C,house,detached,1967-1975,stone,oil,90,blue\n"
        "H2,Z,castle,,,,,-3,\n"
        "bad id!,,,,,,,,\n"
        "H1,A,,,,,,,\n"
        'H5,,,,,,"Room heaters, mains gas",,\n'
    )
    facts, errors = parse_stock_csv(text)
    assert [f.home_id for f in facts] == ["H1"]
    where = [(e.row, e.field, e.value) for e in errors]
    assert where == [
        (1, "colour", "colour"),
        (3, "energy_band", "Z"),
        (3, "property_type", "castle"),
        (3, "floor_area_m2", "-3"),
        (4, "home_id", "bad id!"),
        (5, "home_id", "H1"),
        (6, "main_heating", "Room heaters, mains gas"),
    ]
    assert "A, B, C, D, E, F, G" in errors[1].message
    assert "house, flat, bungalow, maisonette, park home" in errors[2].message
    assert "already on row 2" in errors[5].message


def test_a_file_without_home_id_or_rows() -> None:
    assert parse_stock_csv("") == ([], [RowError(1, "home_id", "", "the file is empty")])
    facts, errors = parse_stock_csv("energy_band\nC\n")
    assert facts == [] and errors[-1].message == "the header has no home_id column"
