/*
 * Calendar arithmetic against hand-checked rows: month ends, leap years, year wrap, parsing.
 */
#include "civil_time.h"

#include <criterion/criterion.h>

static int64_t at(const char *text)
{
    int64_t t = 0;
    cr_assert_eq(civil_parse_time(text, &t), 0, "cannot parse %s", text);
    return t;
}

TestSuite(civil_time, .timeout = 10);

Test(civil_time, add_months_clamps_month_ends)
{
    static const struct {
        const char *from;
        int months;
        const char *expected;
    } rows[] = {
        {"2022-11-30T10:00:00Z", 3, "2023-02-28T10:00:00Z"},
        {"2023-11-30T10:00:00Z", 3, "2024-02-29T10:00:00Z"},
        {"2023-01-31T00:00:00Z", 1, "2023-02-28T00:00:00Z"},
        {"2024-01-31T00:00:00Z", 1, "2024-02-29T00:00:00Z"},
        {"2021-08-31T08:00:00Z", 18, "2023-02-28T08:00:00Z"},
        {"2020-02-29T12:00:00Z", 36, "2023-02-28T12:00:00Z"},
        {"2020-02-29T12:00:00Z", 48, "2024-02-29T12:00:00Z"},
        {"2023-10-15T23:59:59Z", 3, "2024-01-15T23:59:59Z"},
        {"2100-01-31T00:00:00Z", 1, "2100-02-28T00:00:00Z"},
        {"2000-01-31T00:00:00Z", 1, "2000-02-29T00:00:00Z"},
        {"2023-03-31T00:00:00Z", -1, "2023-02-28T00:00:00Z"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char text[32];
        civil_format_time(civil_add_months(at(rows[i].from), rows[i].months), text, sizeof text);
        cr_expect_str_eq(text, rows[i].expected, "row %zu: %s + %d months", i, rows[i].from, rows[i].months);
    }
}

Test(civil_time, parse_rejects_impossible_dates)
{
    int64_t t;
    cr_expect_neq(civil_parse_time("2023-02-29", &t), 0);
    cr_expect_eq(civil_parse_time("2024-02-29", &t), 0);
    cr_expect_neq(civil_parse_time("2023-13-01T00:00:00Z", &t), 0);
    cr_expect_neq(civil_parse_time("2023-01-01T00:00:00+01:00", &t), 0);
    cr_expect_eq(civil_parse_time("1970-01-01T00:00:00Z", &t), 0);
    cr_expect_eq(t, 0);
}

Test(civil_time, durations)
{
    int64_t t;
    cr_expect_eq(civil_apply_duration("30d", 0, &t), 0);
    cr_expect_eq(t, 30 * 86400);
    cr_expect_eq(civil_apply_duration("1Y", at("2020-02-29T00:00:00Z"), &t), 0);
    cr_expect_eq(t, at("2021-02-28T00:00:00Z"));
    cr_expect_neq(civil_apply_duration("3 months", 0, &t), 0);
    cr_expect_neq(civil_apply_duration("-1d", 0, &t), 0);
}
