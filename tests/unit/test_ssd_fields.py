"""The SSD fields' parsing and checks (pure): dates in both formats, the NHS number's modulus-11 check digit
(property tests), flags, codes, scores, postcodes and the authority a postcode is in."""

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from support.ssd import fields as f

TODAY = date(2026, 12, 1)
NINE = st.text(alphabet="0123456789", min_size=9, max_size=9)


def valid_nhs() -> st.SearchStrategy[str]:
    return NINE.filter(lambda n: f.nhs_check_digit(n) is not None).map(lambda n: n + str(f.nhs_check_digit(n)))


class TestParseDate:
    @pytest.mark.parametrize("text", ["2019-06-01", "2019-06-01 00:00:00.000", "2019-06-01 23:59:59.997",
                                      "2019-06-01 13:45:00", " 2019-06-01 "])
    def test_reads_both_formats_and_drops_the_time(self, text: str) -> None:
        assert f.parse_date(text) == date(2019, 6, 1)

    def test_blank_is_none(self) -> None:
        assert f.parse_date("  ") is None

    @pytest.mark.parametrize("text", ["01/06/2019", "2019-6-1", "2019-06-01T00:00:00", "2019-06-01 24:00:00.000",
                                      "June 2019", "2019-06-01 00:00:00.12345678"])
    def test_refuses_other_shapes(self, text: str) -> None:
        with pytest.raises(f.FieldError, match="YYYY-MM-DD"):
            f.parse_date(text)

    @pytest.mark.parametrize("text", ["2019-02-30", "2019-13-01", "2019-02-29 00:00:00.000"])
    def test_refuses_dates_that_do_not_exist(self, text: str) -> None:
        with pytest.raises(f.FieldError, match="not a real date"):
            f.parse_date(text)

    @given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
           st.integers(0, 23), st.integers(0, 59), st.integers(0, 59), st.integers(0, 999))
    def test_any_date_and_time_reads_back_as_its_date(self, day: date, h: int, m: int, s: int, ms: int) -> None:
        assert f.parse_date(day.isoformat()) == day
        assert f.parse_date(f"{day.isoformat()} {h:02d}:{m:02d}:{s:02d}.{ms:03d}") == day


class TestNhsNumber:
    @pytest.mark.parametrize("number", ["9434765919", "4010232137", "9434765870"])
    def test_accepts_published_examples(self, number: str) -> None:
        assert f.nhs_number_valid(number)

    @pytest.mark.parametrize("number", ["9434765918", "4010232138", "943476591", "94347659190", "943476591X",
                                        "", "94347 65919", "١٢٣٤٥٦٧٨٩٠"])
    def test_refuses_wrong_check_digits_and_shapes(self, number: str) -> None:
        assert not f.nhs_number_valid(number)

    @given(valid_nhs())
    def test_a_computed_check_digit_is_valid(self, number: str) -> None:
        assert f.nhs_number_valid(number)

    @given(valid_nhs(), st.integers(0, 9), st.integers(0, 9))
    def test_any_single_digit_changed_is_caught(self, number: str, position: int, digit: int) -> None:
        assume(number[position] != str(digit))
        changed = number[:position] + str(digit) + number[position + 1:]
        assert not f.nhs_number_valid(changed)

    @given(valid_nhs(), st.integers(0, 8))
    def test_two_neighbouring_digits_swapped_are_caught(self, number: str, position: int) -> None:
        assume(number[position] != number[position + 1])
        swapped = number[:position] + number[position + 1] + number[position] + number[position + 2:]
        assert not f.nhs_number_valid(swapped)

    @given(NINE)
    def test_exactly_one_last_digit_or_none_completes_nine_digits(self, nine: str) -> None:
        valid = [d for d in range(10) if f.nhs_number_valid(nine + str(d))]
        check = f.nhs_check_digit(nine)
        assert valid == ([] if check is None else [check])


class TestPerson:
    def row(self, **values: str) -> dict[str, str]:
        base = {"pers_person_id": "P1", "pers_sex": "F", "pers_ethnicity": "WBRI", "pers_dob": "2016-05-04",
                "pers_common_child_id": "9434765919", "pers_send_flag": "Y"}
        return {**base, **values}

    def test_reads_every_field(self) -> None:
        person, errors = f.parse_person(self.row(), file="ssd_person.csv", line=2, today=TODAY)
        assert errors == []
        assert person == f.PersonRow(2, "P1", date(2016, 5, 4), True)

    def test_blanks_are_allowed_except_the_id(self) -> None:
        person, errors = f.parse_person(self.row(pers_sex="", pers_ethnicity="", pers_dob="",
                                                 pers_common_child_id="", pers_send_flag=""),
                                        file="p.csv", line=3, today=TODAY)
        assert errors == [] and person.dob is None and person.send is None
        _, errors = f.parse_person(self.row(pers_person_id=""), file="p.csv", line=3, today=TODAY)
        assert [(e.field, e.reason) for e in errors] == [("pers_person_id", "the id is missing")]

    @pytest.mark.parametrize(("field", "value", "reason"), [
        ("pers_person_id", "X" * 21, "at most 20 characters"),
        ("pers_sex", "X", "F, M or U"),
        ("pers_ethnicity", "WHITE", "DfE's codes"),
        ("pers_dob", "04/05/2016", "YYYY-MM-DD"),
        ("pers_dob", "2027-01-01", "in the future"),
        ("pers_common_child_id", "9434765918", "valid check digit"),
        ("pers_common_child_id", "12345", "10 digits"),
        ("pers_send_flag", "Yes", "Y or N"),
    ])
    def test_each_bad_field_is_an_error_naming_file_line_field_value_and_reason(
            self, field: str, value: str, reason: str) -> None:
        _, errors = f.parse_person(self.row(**{field: value}), file="ssd_person.csv", line=7, today=TODAY)
        assert len(errors) == 1
        error = errors[0]
        assert (error.file, error.line, error.field, error.value) == ("ssd_person.csv", 7, field, value)
        assert reason in error.reason


class TestPermanence:
    def row(self, **values: str) -> dict[str, str]:
        base = {"perm_table_id": "T1", "perm_person_id": "P1", "perm_permanence_order_date": "2019-06-01",
                "perm_permanence_order_type": "Adoption", "perm_adm_decision_date": "2018-01-01 00:00:00.000",
                "perm_placed_for_adoption_date": "2018-06-01", "perm_placement_order_date": "2018-03-01",
                "perm_adopted_by_carer_flag": "N"}
        return {**base, **values}

    @pytest.mark.parametrize(("text", "kind"), [
        ("Adoption", "adoption"), ("Special Guardianship", "special_guardianship"),
        ("special  guardianship order", "special_guardianship"),
        ("Child Arrangements/Residence Order", "child_arrangements"), ("Residence Order", "child_arrangements"),
    ])
    def test_reads_the_order_types(self, text: str, kind: str) -> None:
        row, errors = f.parse_permanence(self.row(perm_permanence_order_type=text), file="x", line=2, today=TODAY)
        assert errors == [] and row.order_kind == kind and row.order_date == date(2019, 6, 1)
        assert row.placement_order_date == date(2018, 3, 1)

    def test_a_row_with_no_order_date_has_no_order(self) -> None:
        row, errors = f.parse_permanence(self.row(perm_permanence_order_date="", perm_permanence_order_type=""),
                                         file="x", line=2, today=TODAY)
        assert errors == [] and row.order_kind == "" and row.order_date is None

    @pytest.mark.parametrize(("field", "value"), [
        ("perm_permanence_order_type", "Fostering"), ("perm_permanence_order_type", ""),
        ("perm_permanence_order_date", "2019-06-31"), ("perm_adm_decision_date", "yesterday"),
        ("perm_placed_for_adoption_date", "2019/01/01"), ("perm_placement_order_date", "2019-1-1"),
        ("perm_adopted_by_carer_flag", "maybe"), ("perm_table_id", ""), ("perm_person_id", ""),
    ])
    def test_each_bad_field_is_an_error(self, field: str, value: str) -> None:
        _, errors = f.parse_permanence(self.row(**{field: value}), file="x", line=5, today=TODAY)
        assert [e.field for e in errors] == [field]


class TestSdq:
    def row(self, **values: str) -> dict[str, str]:
        base = {"csdq_table_id": "S1", "csdq_person_id": "P1", "csdq_sdq_completed_date": "2024-06-01",
                "csdq_sdq_score": "14", "csdq_sdq_reason": ""}
        return {**base, **values}

    @given(st.integers(0, 40))
    def test_every_score_from_0_to_40_is_read(self, score: int) -> None:
        row, errors = f.parse_sdq(self.row(csdq_sdq_score=str(score)), file="x", line=2, today=TODAY)
        assert errors == [] and row.score == score and row.reason == ""

    @given(st.integers(41, 10_000))
    def test_a_score_over_40_is_out_of_range(self, score: int) -> None:
        _, errors = f.parse_sdq(self.row(csdq_sdq_score=str(score)), file="x", line=2, today=TODAY)
        assert [(e.field, e.reason) for e in errors] == [("csdq_sdq_score", "the score must be from 0 to 40")]

    @pytest.mark.parametrize("text", ["-1", "12.5", "ten"])
    def test_a_score_that_is_not_a_whole_number_is_refused(self, text: str) -> None:
        _, errors = f.parse_sdq(self.row(csdq_sdq_score=text), file="x", line=2, today=TODAY)
        assert [e.field for e in errors] == ["csdq_sdq_score"]

    @pytest.mark.parametrize("reason", ["SDQ1", "SDQ2", "SDQ3", "SDQ4", "sdq5"])
    def test_a_reason_stands_in_for_the_score(self, reason: str) -> None:
        row, errors = f.parse_sdq(self.row(csdq_sdq_score="", csdq_sdq_reason=reason), file="x", line=2, today=TODAY)
        assert errors == [] and row.score is None and row.reason == reason.upper()

    def test_neither_score_nor_reason_is_an_error_and_so_is_an_unknown_reason(self) -> None:
        _, errors = f.parse_sdq(self.row(csdq_sdq_score=""), file="x", line=2, today=TODAY)
        assert [e.field for e in errors] == ["csdq_sdq_score"]
        _, errors = f.parse_sdq(self.row(csdq_sdq_score="", csdq_sdq_reason="SDQ9"), file="x", line=2, today=TODAY)
        assert [e.field for e in errors] == ["csdq_sdq_reason"]

    def test_the_completed_date_is_required(self) -> None:
        _, errors = f.parse_sdq(self.row(csdq_sdq_completed_date=""), file="x", line=2, today=TODAY)
        assert [(e.field, e.reason) for e in errors] == [("csdq_sdq_completed_date", "the date is missing")]


class TestAddress:
    def row(self, **values: str) -> dict[str, str]:
        base = {"addr_table_id": "A1", "addr_person_id": "P1", "addr_address_start_date": "2019-01-01",
                "addr_address_end_date": "", "addr_address_postcode": "me14  1xx", "addr_address_type": "Home"}
        return {**base, **values}

    def test_reads_every_field_and_tidies_the_postcode(self) -> None:
        row, errors = f.parse_address(self.row(), file="x", line=2, today=TODAY)
        assert errors == [] and row.postcode == "ME14 1XX" and row.start_date == date(2019, 1, 1)

    def test_an_end_before_the_start_and_a_bad_postcode_are_errors(self) -> None:
        _, errors = f.parse_address(self.row(addr_address_end_date="2018-01-01", addr_address_postcode="NOWHERE"),
                                    file="x", line=2, today=TODAY)
        assert sorted(e.field for e in errors) == ["addr_address_end_date", "addr_address_postcode"]


class TestAuthorityForPostcode:
    DISTRICTS = [("Kent", "CT TN ME14 ME15"), ("Medway", "ME1 ME4 ME7"), ("Bexley", "DA5 DA6")]

    @pytest.mark.parametrize(("postcode", "authority"), [
        ("ME14 1XX", "Kent"), ("me4 4tb", "Medway"), ("CT1 2AA", "Kent"), ("DA6 7AA", "Bexley"),
        ("ME1 1AA", "Medway"), ("SW1A 1AA", None), ("DA1 1AA", None), ("rubbish", None),
    ])
    def test_an_exact_district_beats_an_area(self, postcode: str, authority: str | None) -> None:
        assert f.authority_for_postcode(postcode, self.DISTRICTS) == authority

    def test_two_authorities_covering_the_same_district_give_no_answer(self) -> None:
        assert f.authority_for_postcode("ME14 1XX", [("A", "ME14"), ("B", "ME14")]) is None
