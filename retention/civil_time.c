/*
 * Civil time (see civil_time.h). days_from_civil / civil_from_days after Howard Hinnant's
 * "chrono-compatible low-level date algorithms": eras of 400 years, March-based years so the leap day
 * falls at the end, integer arithmetic only.
 */
#include "civil_time.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t civil_days_from_date(int64_t year, int month, int day)
{
    year -= month <= 2;
    const int64_t era = (year >= 0 ? year : year - 399) / 400;
    const int64_t year_of_era = year - era * 400;
    const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

void civil_date_from_days(int64_t days, int64_t *year, int *month, int *day)
{
    days += 719468;
    const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const int64_t day_of_era = days - era * 146097;
    const int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const int64_t month_index = (5 * day_of_year + 2) / 153;
    *day = (int)(day_of_year - (153 * month_index + 2) / 5 + 1);
    *month = (int)(month_index < 10 ? month_index + 3 : month_index - 9);
    *year = year_of_era + era * 400 + (*month <= 2);
}

int civil_days_in_month(int64_t year, int month)
{
    static const int lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2) {
        const int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        return 28 + leap;
    }
    return lengths[month - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

int64_t civil_day_start(int64_t t)
{
    return floor_div(t, CIVIL_DAY_SECONDS) * CIVIL_DAY_SECONDS;
}

int64_t civil_add_months(int64_t t, int months)
{
    const int64_t days = floor_div(t, CIVIL_DAY_SECONDS);
    const int64_t second_of_day = t - days * CIVIL_DAY_SECONDS;
    int64_t year;
    int month, day;
    civil_date_from_days(days, &year, &month, &day);
    int64_t month_index = year * 12 + (month - 1) + months;
    year = floor_div(month_index, 12);
    month = (int)(month_index - year * 12) + 1;
    const int last = civil_days_in_month(year, month);
    if (day > last)
        day = last;
    return civil_days_from_date(year, month, day) * CIVIL_DAY_SECONDS + second_of_day;
}

int civil_parse_time(const char *text, int64_t *out)
{
    int year, month, day, hour = 0, minute = 0, second = 0, consumed = 0;
    if (!text)
        return -1;
    const size_t length = strlen(text);
    if (sscanf(text, "%4d-%2d-%2d%n", &year, &month, &day, &consumed) != 3 || consumed != 10)
        return -1;
    if (length != 10) {
        int rest = 0;
        if (sscanf(text + 10, "T%2d:%2d:%2dZ%n", &hour, &minute, &second, &rest) == 3 && (size_t)rest == length - 10) {
        } else if (rest = 0, sscanf(text + 10, "T%2d:%2dZ%n", &hour, &minute, &rest) == 2 &&
                   (size_t)rest == length - 10) {
            second = 0;
        } else {
            return -1;
        }
    }
    if (month < 1 || month > 12 || day < 1 || day > civil_days_in_month(year, month) || hour > 23 ||
        minute > 59 || second > 59 || hour < 0 || minute < 0 || second < 0)
        return -1;
    *out = civil_days_from_date(year, month, day) * CIVIL_DAY_SECONDS + hour * 3600 + minute * 60 + second;
    return 0;
}

void civil_format_time(int64_t t, char *out, size_t out_size)
{
    const int64_t days = floor_div(t, CIVIL_DAY_SECONDS);
    const int64_t second_of_day = t - days * CIVIL_DAY_SECONDS;
    int64_t year;
    int month, day;
    civil_date_from_days(days, &year, &month, &day);
    snprintf(out, out_size, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)year, month, day,
             (int)(second_of_day / 3600), (int)(second_of_day / 60 % 60), (int)(second_of_day % 60));
}

int civil_apply_duration(const char *text, int64_t from, int64_t *out)
{
    if (!text || !isdigit((unsigned char)text[0]))
        return -1;
    char *unit = NULL;
    const long long count = strtoll(text, &unit, 10);
    if (count < 0 || count > 100000)
        return -1;
    if (strcmp(unit, "s") == 0) *out = from + count;
    else if (strcmp(unit, "min") == 0) *out = from + count * 60;
    else if (strcmp(unit, "h") == 0) *out = from + count * 3600;
    else if (strcmp(unit, "d") == 0) *out = from + count * CIVIL_DAY_SECONDS;
    else if (strcmp(unit, "w") == 0) *out = from + count * 7 * CIVIL_DAY_SECONDS;
    else if (strcmp(unit, "M") == 0) *out = civil_add_months(from, (int)count);
    else if (strcmp(unit, "Y") == 0) *out = civil_add_months(from, (int)count * 12);
    else return -1;
    return 0;
}
