/* plot-scale.c — axis ranges, ticks, labels and the data↔pixel mapping. */
#include "plot-scale.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Relative slack for comparisons of values that went through log10/pow or a
 * division: 0.1 = 1e-3 * 100 may come back as 0.09999999999999999. */
#define SLACK 1e-9

/* ---- linear axes ---- */

double
plot_nice_step(double span, int max_ticks, bool integer)
{
    static const double multiples[] = { 1.0, 2.0, 5.0, 10.0 };

    if (!(span > 0.0) || !isfinite(span))
        return 1.0;
    if (max_ticks < 1)
        max_ticks = 1;

    double raw = span / max_ticks;
    double magnitude = pow(10.0, floor(log10(raw)));
    double step = 10.0 * magnitude;
    for (size_t i = 0; i < sizeof multiples / sizeof multiples[0]; i++) {
        if (multiples[i] * magnitude >= raw * (1.0 - SLACK)) {
            step = multiples[i] * magnitude;
            break;
        }
    }
    if (integer && step < 1.0)
        step = 1.0;
    return step;
}

void
plot_nice_range(double *lo, double *hi, int max_ticks, bool integer)
{
    if (!isfinite(*lo) || !isfinite(*hi)) {
        *lo = 0.0;
        *hi = 1.0;
    }
    if (!(*hi > *lo)) {
        double centre = *lo;
        double half = centre != 0.0 ? fabs(centre) * 0.1 : 1.0;
        *lo = centre - half;
        *hi = centre + half;
    }
    double step = plot_nice_step(*hi - *lo, max_ticks, integer);
    *lo = floor(*lo / step + SLACK) * step;
    *hi = ceil(*hi / step - SLACK) * step;
}

int
plot_linear_ticks(double lo, double hi, int max_ticks, bool integer, PlotTicks *out)
{
    out->n = 0;
    out->step = plot_nice_step(hi - lo, max_ticks, integer);
    if (!(hi > lo) || !isfinite(lo) || !isfinite(hi))
        return 0;

    double step = out->step;
    double first = ceil(lo / step - 1e-6);
    double last = floor(hi / step + 1e-6);
    for (double k = first; k <= last && out->n < PLOT_MAX_TICKS; k += 1.0) {
        double value = k * step;
        if (fabs(value) < step * 1e-9)
            value = 0.0; /* never "-0" */
        out->ticks[out->n++] = (PlotTick){ value, true };
    }
    return out->n;
}

/* ---- log10 axes ---- */

/* v = mantissa * 10^exponent with mantissa in [1, 10), robust to log10's
 * rounding at exact powers of ten. */
static void
decompose(double v, int *exponent, double *mantissa)
{
    int e = (int)floor(log10(v));
    double m = v / pow(10.0, e);
    if (m >= 10.0 * (1.0 - SLACK)) {
        e++;
        m /= 10.0;
    } else if (m < 1.0 - SLACK) {
        e--;
        m *= 10.0;
    }
    *exponent = e;
    *mantissa = m;
}

static double
floor_125(double v)
{
    int e;
    double m;
    decompose(v, &e, &m);
    double grid = m >= 5.0 * (1.0 - SLACK) ? 5.0 : m >= 2.0 * (1.0 - SLACK) ? 2.0 : 1.0;
    return grid * pow(10.0, e);
}

static double
ceil_125(double v)
{
    int e;
    double m;
    decompose(v, &e, &m);
    double grid = m <= 1.0 + SLACK ? 1.0 : m <= 2.0 * (1.0 + SLACK) ? 2.0 : m <= 5.0 * (1.0 + SLACK) ? 5.0 : 10.0;
    return grid * pow(10.0, e);
}

void
plot_log_range(double *lo, double *hi)
{
    if (!(*hi > 0.0) || !isfinite(*hi))
        *hi = 1.0;
    if (!(*lo > 0.0) || !isfinite(*lo))
        *lo = *hi / 10.0;
    if (*lo > *hi) {
        double t = *lo;
        *lo = *hi;
        *hi = t;
    }
    if (*hi <= *lo * (1.0 + SLACK)) {
        *lo /= 2.0;
        *hi *= 2.0;
    }
    *lo = floor_125(*lo);
    *hi = ceil_125(*hi);
}

static bool
in_range(double v, double lo, double hi)
{
    return v >= lo * (1.0 - SLACK) && v <= hi * (1.0 + SLACK);
}

int
plot_log_ticks(double lo, double hi, int max_decades, PlotTicks *out)
{
    out->n = 0;
    out->step = 0.0;
    if (!(lo > 0.0) || !(hi > lo) || !isfinite(hi))
        return 0;
    if (max_decades < 1)
        max_decades = 1;

    int e_lo, e_hi;
    double m;
    decompose(lo, &e_lo, &m);
    decompose(hi, &e_hi, &m);

    int powers = 0; /* powers of ten inside [lo, hi] */
    for (int e = e_lo; e <= e_hi; e++)
        powers += in_range(pow(10.0, e), lo, hi);

    if (powers - 1 > max_decades) {
        /* Too many decades: every k-th power of ten, no minors. */
        int every = (powers - 1 + max_decades - 1) / max_decades;
        for (int e = e_lo; e <= e_hi && out->n < PLOT_MAX_TICKS; e++) {
            double v = pow(10.0, e);
            if (in_range(v, lo, hi) && ((e % every) + every) % every == 0)
                out->ticks[out->n++] = (PlotTick){ v, true };
        }
        return out->n;
    }

    for (int e = e_lo; e <= e_hi; e++) {
        double power = pow(10.0, e);
        for (int k = 1; k <= 9 && out->n < PLOT_MAX_TICKS; k++) {
            double v = k * power;
            if (!in_range(v, lo, hi))
                continue;
            bool major = k == 1 || (powers < 2 && (k == 2 || k == 5));
            out->ticks[out->n++] = (PlotTick){ v, major };
        }
    }
    return out->n;
}

/* ---- mapping ---- */

static double
axis_coordinate(const PlotScale *s, double v)
{
    return s->log ? log10(v) : v;
}

double
plot_scale_to_pixel(const PlotScale *s, double value)
{
    if (s->log && !(value > 0.0))
        return NAN;
    double a = axis_coordinate(s, s->lo), b = axis_coordinate(s, s->hi);
    double t = b != a ? (axis_coordinate(s, value) - a) / (b - a) : 0.0;
    return s->p0 + t * (s->p1 - s->p0);
}

double
plot_scale_from_pixel(const PlotScale *s, double pixel)
{
    double a = axis_coordinate(s, s->lo), b = axis_coordinate(s, s->hi);
    double t = s->p1 != s->p0 ? (pixel - s->p0) / (s->p1 - s->p0) : 0.0;
    double u = a + t * (b - a);
    return s->log ? pow(10.0, u) : u;
}

double
plot_snap(double p)
{
    return floor(p) + 0.5;
}

/* ---- labels ---- */

void
plot_format_sci(double value, int digits, char *buf, size_t size)
{
    if (value == 0.0 || !isfinite(value)) {
        snprintf(buf, size, value == 0.0 ? "0" : "%g", value);
        return;
    }
    if (digits < 1)
        digits = 1;
    if (digits > 17)
        digits = 17;

    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*e", digits - 1, value); /* "9.240e-04" */
    char *e = strchr(tmp, 'e');
    int exponent = e != NULL ? atoi(e + 1) : 0;
    if (e != NULL)
        *e = '\0';
    /* Drop trailing zeros of the mantissa, then a bare decimal point (which
     * may be a ',' in some locales). */
    size_t len = strlen(tmp);
    if (strpbrk(tmp, ".,") != NULL) {
        while (len > 0 && tmp[len - 1] == '0')
            tmp[--len] = '\0';
        if (len > 0 && (tmp[len - 1] == '.' || tmp[len - 1] == ','))
            tmp[--len] = '\0';
    }
    snprintf(buf, size, "%se%d", tmp, exponent);
}

/* Decimals needed to write multiples of step exactly: 5 → 0, 0.2 → 1, 0.25 → 2. */
static int
step_decimals(double step)
{
    int decimals = (int)fmax(0.0, -floor(log10(step) + SLACK));
    while (decimals < 12) {
        double scaled = step * pow(10.0, decimals);
        if (fabs(scaled - round(scaled)) <= 1e-6 * fmax(1.0, scaled))
            break;
        decimals++;
    }
    return decimals;
}

void
plot_format_tick(double value, double step, char *buf, size_t size)
{
    step = fabs(step);
    if (!(step > 0.0) || !isfinite(step))
        step = fabs(value) > 0.0 ? fabs(value) : 1.0;
    if (fabs(value) < step * 1e-6) {
        snprintf(buf, size, "0");
        return;
    }
    if (step < 1e-3 || fabs(value) >= 1e6) {
        /* As many significant digits as the step resolves at this value. */
        int e_value, e_step;
        double m;
        decompose(fabs(value), &e_value, &m);
        decompose(step, &e_step, &m);
        int digits = e_value - e_step + 1 + (step_decimals(m) > 0);
        plot_format_sci(value, digits < 1 ? 1 : digits, buf, size);
        return;
    }
    snprintf(buf, size, "%.*f", step_decimals(step), value);
}

void
plot_format_log_tick(double value, char *buf, size_t size)
{
    if (!(value > 0.0) || !isfinite(value)) {
        snprintf(buf, size, "%g", value);
        return;
    }
    int e;
    double m;
    decompose(value, &e, &m);
    if (fabs(m - round(m)) > 1e-6) {
        plot_format_sci(value, 3, buf, size);
        return;
    }
    m = round(m);
    if (m >= 10.0) { /* 9.9999999 rounded up */
        m = 1.0;
        e++;
    }
    if (e >= -3 && e <= 3)
        snprintf(buf, size, "%.*f", e < 0 ? -e : 0, m * pow(10.0, e));
    else
        snprintf(buf, size, "%.0fe%d", m, e);
}

void
plot_format_percent(double percent, int decimals, char *buf, size_t size)
{
    if (decimals < 0)
        decimals = 0;
    snprintf(buf, size, "%.*f %%", decimals, percent);
}

void
plot_format_epoch(double epoch, char *buf, size_t size)
{
    if (fabs(epoch - round(epoch)) < 1e-9)
        snprintf(buf, size, "%.0f", round(epoch));
    else
        snprintf(buf, size, "%.2f", epoch);
}

/* ---- the accuracy plot's y range ---- */

void
plot_accuracy_range(double min_percent, double *lo, double *hi)
{
    static const double floors[] = { 99.0, 98.0, 95.0, 90.0, 80.0, 50.0 };

    *hi = 100.0;
    *lo = 0.0;
    if (isnan(min_percent))
        return;
    for (size_t i = 0; i < sizeof floors / sizeof floors[0]; i++) {
        if (min_percent >= floors[i] + 0.02 * (100.0 - floors[i])) {
            *lo = floors[i];
            return;
        }
    }
}
