/*
 * Civil (calendar) time in UTC for the retention harness and the reference store: seconds since the
 * epoch <-> year/month/day, exact calendar-month arithmetic, ISO 8601 parsing and printing, and the
 * duration strings scenarios use ("30d", "3M", "1Y").
 *
 * Why its own code and not mktime/SQLite's date functions: both normalise an impossible day by rolling
 * over ("30 November + 3 months" becomes 2 March), which is exactly the month-end off-by-one a
 * retention promise must not have. Here adding months clamps to the last day of the target month
 * (30 November + 3 months = 28 February, or 29 in a leap year), keeping the time of day. The
 * conversion is Howard Hinnant's days_from_civil algorithm, exact for the proleptic Gregorian calendar,
 * no time zones, no leap seconds, no locale.
 */
#ifndef WAKECERT_RETENTION_CIVIL_TIME_H
#define WAKECERT_RETENTION_CIVIL_TIME_H

#include <stdint.h>
#include <stddef.h>

#define CIVIL_DAY_SECONDS 86400

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). Cannot fail. */
int64_t civil_days_from_date(int64_t year, int month, int day);

/** The date of a day number (inverse of civil_days_from_date). Cannot fail. */
void civil_date_from_days(int64_t days, int64_t *year, int *month, int *day);

/** Days in a month (1..12) of a year, leap years included. */
int civil_days_in_month(int64_t year, int month);

/** t plus `months` calendar months (may be negative), day clamped to the target month's last day,
 *  time of day kept. Cannot fail. */
int64_t civil_add_months(int64_t t, int months);

/** 00:00:00 UTC of the day containing t. */
int64_t civil_day_start(int64_t t);

/** Parse "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DDTHH:MMZ" (UTC only). Returns 0, or -1 when
 *  the text is not such a time or names an impossible date. */
int civil_parse_time(const char *text, int64_t *out);

/** Format as "YYYY-MM-DDTHH:MM:SSZ" into out (at least 32 bytes). Cannot fail. */
void civil_format_time(int64_t t, char *out, size_t out_size);

/** Apply a duration "<n><unit>" (unit s, min, h, d, w, M = calendar months, Y = 12 calendar months;
 *  n a non-negative integer) to `from`. Returns 0 and *out, or -1 when the text is malformed. */
int civil_apply_duration(const char *text, int64_t from, int64_t *out);

#endif
