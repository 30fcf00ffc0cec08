/* winograd.c — 3x3 convolutions by Winograd's minimal filtering F(2x2, 3x3)
 * (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).
 *
 * The output is cut into 2x2 tiles; each comes from the 4x4 input patch d
 * around it (patches overlap by two pixels):
 *
 *     y = A^T [ (G w G^T) ⊙ (B^T d B) ] A
 *
 * Summed over input channels, the elementwise product becomes one GEMM for
 * each of the 16 positions ξ of the 4x4 transformed tile:
 *
 *     M[ξ] (K x T) = U[ξ] (K x C) · V[ξ] (C x T)      U = G w G^T, V = B^T d B
 *
 * (K filters, C input channels, T tiles): 16 multiply-adds per filter, channel
 * and tile instead of 36 for the four outputs, 2.25x fewer. The backward pass
 * is the exact adjoint of the same linear maps, so the gradients are those of
 * what the forward pass computed:
 *
 *     dM[ξ] = A dy A^T          dU[ξ] = dM[ξ] V[ξ]^T       dw = G^T dU G
 *     dV[ξ] = U[ξ]^T dM[ξ]      dx = sum over tiles of B dV B^T
 *
 * The transforms are additions only (and halves in G), so rounding stays at
 * the level of im2col's. Work is split between threads by chunks of images,
 * as in layers.c, with the weight gradient summed per thread and then over
 * threads in a fixed order: deterministic for a given thread count.
 */
#include "winograd.h"

#include <omp.h>
#include <string.h>

#include "gemm.h"

#define XI 16 /* positions in a transformed 4x4 tile */

typedef struct {
    int th, tw;  /* tiles down and across one image */
    int pw;      /* width of a zero-padded input row: 2 * tw + 2 */
    int ph;      /* height of a zero-padded input plane: 2 * th + 2 */
} Tiling;

static Tiling
tiling(const NnConvShape *s)
{
    Tiling g;
    g.th = (s->out_height + 1) / 2;
    g.tw = (s->out_width + 1) / 2;
    g.pw = 2 * g.tw + 2;
    g.ph = 2 * g.th + 2;
    return g;
}

static size_t
round16(size_t n)
{
    return (n + 15) & ~(size_t)15; /* keeps every part 64-byte aligned */
}

/* One thread's scratch, carved from its slice of NnScratch. Thread 0's `u`
 * holds the transformed weights that all threads read. */
typedef struct {
    float *u, *du;   /* XI x K x C */
    float *v, *dv;   /* XI x C x T */
    float *m;        /* XI x K x T (M forward, dM backward) */
    float *rows;     /* 16 rows of pw floats, and one zero row */
    float *plane;    /* ph x pw: one padded input-gradient plane */
    float *taps;     /* 9 x C: one filter's weights, tap-major */
} Parts;

/* Carves the parts out of `base` (if non-NULL); returns the floats they take. */
static size_t
carve(const NnConvShape *s, int chunk, float *base, Parts *p)
{
    const Tiling g = tiling(s);
    const size_t K = s->out_channels, C = s->in_channels, T = (size_t)chunk * g.th * g.tw;
    const size_t sizes[] = {
        XI * K * C, XI * K * C, XI * C * T, XI * C * T, XI * K * T,
        (size_t)16 * g.pw + s->width, (size_t)g.ph * g.pw, 9 * C,
    };
    float **slots[] = { &p->u, &p->du, &p->v, &p->dv, &p->m, &p->rows, &p->plane, &p->taps };
    size_t offset = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        if (base != NULL)
            *slots[i] = base + offset;
        offset += round16(sizes[i]);
    }
    return offset;
}

static Parts
parts(const NnConvShape *s, int chunk, float *base)
{
    Parts p;
    carve(s, chunk, base, &p);
    return p;
}

size_t
nn_winograd_scratch_floats(const NnConvShape *s, int chunk)
{
    Parts unused;
    return carve(s, chunk, NULL, &unused);
}

/* ---- weights: U = G w G^T and its adjoint dw = G^T dU G -------------------- */

static const float G[4][3] = {
    { 1.0f, 0.0f, 0.0f },
    { 0.5f, 0.5f, 0.5f },
    { 0.5f, -0.5f, 0.5f },
    { 0.0f, 0.0f, 1.0f },
};

/* U[(i,j)][k][c] = sum over taps (a,b) of G[i][a] G[j][b] w[k][c][a][b]: for
 * each filter, its taps are first laid out tap-major, so every line below
 * is a loop over input channels. `taps`: 9 * C floats. */
static void
transform_weights(const NnConvShape *s, const float *w, float *u, float *taps)
{
    const int K = s->out_channels, C = s->in_channels;
    for (int k = 0; k < K; k++) {
        for (int c = 0; c < C; c++)
            for (int t = 0; t < 9; t++)
                taps[t * C + c] = w[((size_t)k * C + c) * 9 + t];
        for (int xi = 0; xi < XI; xi++) {
            float *out = u + ((size_t)xi * K + k) * C;
            memset(out, 0, sizeof(float) * C);
            for (int t = 0; t < 9; t++) {
                const float coef = G[xi / 4][t / 3] * G[xi % 4][t % 3];
                if (coef != 0.0f)
                    for (int c = 0; c < C; c++)
                        out[c] += coef * taps[t * C + c];
            }
        }
    }
}

/* dw[k][c][a][b] += sum over (i,j) of G[i][a] G[j][b] dU[(i,j)][k][c]. */
static void
weight_gradient(const NnConvShape *s, const float *du, float *dw, float *taps)
{
    const int K = s->out_channels, C = s->in_channels;
    for (int k = 0; k < K; k++) {
        memset(taps, 0, sizeof(float) * 9 * C);
        for (int xi = 0; xi < XI; xi++) {
            const float *in = du + ((size_t)xi * K + k) * C;
            for (int t = 0; t < 9; t++) {
                const float coef = G[xi / 4][t / 3] * G[xi % 4][t % 3];
                if (coef != 0.0f)
                    for (int c = 0; c < C; c++)
                        taps[t * C + c] += coef * in[c];
            }
        }
        for (int c = 0; c < C; c++)
            for (int t = 0; t < 9; t++)
                dw[((size_t)k * C + c) * 9 + t] += taps[t * C + c];
    }
}

/* ---- data: V = B^T d B, y = A^T M A, and their adjoints --------------------
 *
 * B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  A^T = [1 1 1 0; 0 1 -1 -1].
 * Each routine works on one row of tiles at a time; the loops over the tiles
 * of a row have no dependences between iterations, so they vectorise.
 * Tile t of a chunk is (image j, tile row ty, tile column tx) in that order;
 * V[ξ][c][t] lives at v[(ξ * C + c) * T + t]. */

/* B^T d over whole rows: t0..t3 from the input rows r0..r3. */
static void
rows_bt(const float *restrict r0, const float *restrict r1, const float *restrict r2,
        const float *restrict r3, float *restrict t0, float *restrict t1, float *restrict t2,
        float *restrict t3, int n)
{
    for (int x = 0; x < n; x++) {
        t0[x] = r0[x] - r2[x];
        t1[x] = r1[x] + r2[x];
        t2[x] = r2[x] - r1[x];
        t3[x] = r1[x] - r3[x];
    }
}

/* (.) B along a row: tile tx combines columns 2tx .. 2tx+3 of t. */
static void
columns_b(const float *restrict t, float *restrict o0, float *restrict o1, float *restrict o2,
          float *restrict o3, int tiles)
{
    for (int tx = 0; tx < tiles; tx++) {
        const float *q = t + 2 * tx;
        o0[tx] = q[0] - q[2];
        o1[tx] = q[1] + q[2];
        o2[tx] = q[2] - q[1];
        o3[tx] = q[1] - q[3];
    }
}

static void
input_transform(const NnConvShape *s, const float *x, int batch, int b0, int nb,
                size_t T, const Parts *p)
{
    const Tiling g = tiling(s);
    const int C = s->in_channels, H = s->height, W = s->width, pad = s->pad;
    float *t[4] = { p->rows, p->rows + g.pw, p->rows + 2 * g.pw, p->rows + 3 * g.pw };
    float *zero = p->rows + 16 * g.pw;
    memset(zero, 0, sizeof(float) * W);
    for (int i = 0; i < 4; i++) /* the padding columns stay zero */
        memset(t[i], 0, sizeof(float) * g.pw);

    for (int c = 0; c < C; c++)
        for (int j = 0; j < nb; j++) {
            const float *img = x + ((size_t)c * batch + b0 + j) * H * W;
            for (int ty = 0; ty < g.th; ty++) {
                const float *r[4];
                for (int i = 0; i < 4; i++) {
                    int iy = 2 * ty - pad + i;
                    r[i] = iy >= 0 && iy < H ? img + (size_t)iy * W : zero;
                }
                rows_bt(r[0], r[1], r[2], r[3], t[0] + pad, t[1] + pad, t[2] + pad, t[3] + pad, W);
                const size_t t0 = ((size_t)j * g.th + ty) * g.tw;
                for (int i = 0; i < 4; i++) {
                    float *o = p->v + ((size_t)(i * 4) * C + c) * T + t0;
                    const size_t step = (size_t)C * T; /* from ξ to ξ + 1 */
                    columns_b(t[i], o, o + step, o + 2 * step, o + 3 * step, g.tw);
                }
            }
        }
}

/* y = A^T M A for every tile, into the CNHW output (tiles past the edge of an
 * odd-sized output are cut). */
static void
output_transform(const NnConvShape *s, const Parts *p, size_t T, float *y, int batch, int b0, int nb)
{
    const Tiling g = tiling(s);
    const int K = s->out_channels, Ho = s->out_height, Wo = s->out_width;
    float *out[2] = { p->rows, p->rows + g.pw };

    for (int k = 0; k < K; k++)
        for (int j = 0; j < nb; j++) {
            float *img = y + ((size_t)k * batch + b0 + j) * Ho * Wo;
            for (int ty = 0; ty < g.th; ty++) {
                const size_t t0 = ((size_t)j * g.th + ty) * g.tw;
                const float *m[XI];
                for (int xi = 0; xi < XI; xi++)
                    m[xi] = p->m + ((size_t)xi * K + k) * T + t0;
                #pragma omp simd
                for (int tx = 0; tx < g.tw; tx++) {
                    float s0[4], s1[4]; /* A^T M: rows */
                    for (int c = 0; c < 4; c++) {
                        s0[c] = m[c][tx] + m[4 + c][tx] + m[8 + c][tx];
                        s1[c] = m[4 + c][tx] - m[8 + c][tx] - m[12 + c][tx];
                    }
                    out[0][2 * tx] = s0[0] + s0[1] + s0[2];
                    out[0][2 * tx + 1] = s0[1] - s0[2] - s0[3];
                    out[1][2 * tx] = s1[0] + s1[1] + s1[2];
                    out[1][2 * tx + 1] = s1[1] - s1[2] - s1[3];
                }
                for (int a = 0; a < 2 && 2 * ty + a < Ho; a++)
                    memcpy(img + (size_t)(2 * ty + a) * Wo, out[a], sizeof(float) * Wo);
            }
        }
}

/* dM = A dy A^T for every tile: the adjoint of output_transform. */
static void
output_adjoint(const NnConvShape *s, const float *dy, int batch, int b0, int nb,
               size_t T, const Parts *p)
{
    const Tiling g = tiling(s);
    const int K = s->out_channels, Ho = s->out_height, Wo = s->out_width;
    float *d[2] = { p->rows, p->rows + g.pw }; /* two rows of dy, zero past the edge */
    memset(p->rows, 0, sizeof(float) * 2 * g.pw);

    for (int k = 0; k < K; k++)
        for (int j = 0; j < nb; j++) {
            const float *img = dy + ((size_t)k * batch + b0 + j) * Ho * Wo;
            for (int ty = 0; ty < g.th; ty++) {
                for (int a = 0; a < 2; a++) {
                    if (2 * ty + a < Ho)
                        memcpy(d[a], img + (size_t)(2 * ty + a) * Wo, sizeof(float) * Wo);
                    else
                        memset(d[a], 0, sizeof(float) * Wo);
                }
                const size_t t0 = ((size_t)j * g.th + ty) * g.tw;
                float *m[XI];
                for (int xi = 0; xi < XI; xi++)
                    m[xi] = p->m + ((size_t)xi * K + k) * T + t0;
                #pragma omp simd
                for (int tx = 0; tx < g.tw; tx++) {
                    const float l0 = d[0][2 * tx], r0 = d[0][2 * tx + 1];
                    const float l1 = d[1][2 * tx], r1 = d[1][2 * tx + 1];
                    /* A dy: rows (dy0, dy0 + dy1, dy0 - dy1, -dy1) */
                    const float ra[4] = { l0, l0 + l1, l0 - l1, -l1 };
                    const float rb[4] = { r0, r0 + r1, r0 - r1, -r1 };
                    for (int i = 0; i < 4; i++) { /* (A dy) A^T: columns likewise */
                        m[i * 4 + 0][tx] = ra[i];
                        m[i * 4 + 1][tx] = ra[i] + rb[i];
                        m[i * 4 + 2][tx] = ra[i] - rb[i];
                        m[i * 4 + 3][tx] = -rb[i];
                    }
                }
            }
        }
}

/* dx = sum over tiles of B dV B^T (the adjoint of input_transform), written
 * over the chunk's images of dx. The tiles overlap, so each image is
 * accumulated in a zero-padded plane and its inside copied out. */
static void
input_adjoint(const NnConvShape *s, const Parts *p, size_t T, float *dx, int batch, int b0, int nb)
{
    const Tiling g = tiling(s);
    const int C = s->in_channels, H = s->height, W = s->width, pad = s->pad;
    float *z[XI]; /* z[i * 4 + j][tx]: entry (i, j) of tile tx's B dV B^T */
    for (int xi = 0; xi < XI; xi++)
        z[xi] = p->rows + (size_t)xi * g.pw;

    for (int c = 0; c < C; c++)
        for (int j = 0; j < nb; j++) {
            memset(p->plane, 0, sizeof(float) * g.ph * g.pw);
            for (int ty = 0; ty < g.th; ty++) {
                const size_t t0 = ((size_t)j * g.th + ty) * g.tw;
                const float *v[XI];
                for (int xi = 0; xi < XI; xi++)
                    v[xi] = p->dv + ((size_t)xi * C + c) * T + t0;
                /* B^T's columns: (1,0,0,0), (0,1,-1,1), (-1,1,1,0), (0,0,0,-1) */
                #pragma omp simd
                for (int tx = 0; tx < g.tw; tx++) {
                    float e[4][4]; /* dV B^T */
                    for (int a = 0; a < 4; a++) {
                        float d0 = v[a * 4][tx], d1 = v[a * 4 + 1][tx];
                        float d2 = v[a * 4 + 2][tx], d3 = v[a * 4 + 3][tx];
                        e[a][0] = d0;
                        e[a][1] = d1 - d2 + d3;
                        e[a][2] = d1 + d2 - d0;
                        e[a][3] = -d3;
                    }
                    for (int b = 0; b < 4; b++) { /* B (dV B^T) */
                        z[b][tx] = e[0][b];
                        z[4 + b][tx] = e[1][b] - e[2][b] + e[3][b];
                        z[8 + b][tx] = e[1][b] + e[2][b] - e[0][b];
                        z[12 + b][tx] = -e[3][b];
                    }
                }
                for (int i = 0; i < 4; i++) {
                    float *row = p->plane + (size_t)(2 * ty + i) * g.pw;
                    #pragma omp simd
                    for (int tx = 0; tx < g.tw; tx++) {
                        row[2 * tx] += z[i * 4][tx];
                        row[2 * tx + 1] += z[i * 4 + 1][tx];
                    }
                    #pragma omp simd
                    for (int tx = 0; tx < g.tw; tx++) {
                        row[2 * tx + 2] += z[i * 4 + 2][tx];
                        row[2 * tx + 3] += z[i * 4 + 3][tx];
                    }
                }
            }
            float *img = dx + ((size_t)c * batch + b0 + j) * H * W;
            for (int iy = 0; iy < H; iy++)
                memcpy(img + (size_t)iy * W, p->plane + (size_t)(iy + pad) * g.pw + pad, sizeof(float) * W);
        }
}

/* ---- the passes --------------------------------------------------------------- */

static int
chunk_size(int batch, int b0, int chunk)
{
    return batch - b0 < chunk ? batch - b0 : chunk;
}

/* The transformed weights: from the cache when it was made from these
 * weights, else made now (into the cache, or into thread 0's scratch). */
static const float *
transformed_weights(const NnConvShape *s, const float *w, NnConvCache *cache, const Parts *p0)
{
    const size_t nw = (size_t)s->out_channels * s->in_channels * 9;
    if (cache == NULL) {
        transform_weights(s, w, p0->u, p0->taps);
        return p0->u;
    }
    float *copy = cache->floats, *u = cache->floats + nw;
    if (!cache->valid || memcmp(copy, w, nw * sizeof(float)) != 0) {
        transform_weights(s, w, u, p0->taps);
        memcpy(copy, w, nw * sizeof(float));
        cache->valid = true;
    }
    return u;
}

size_t
nn_winograd_cache_floats(const NnConvShape *s)
{
    return (size_t)s->out_channels * s->in_channels * (9 + XI);
}

void
nn_winograd_forward(const NnConvShape *s, const float *x, const float *w, NnConvCache *cache,
                    float *y, int batch, int chunk, NnScratch scratch)
{
    const int K = s->out_channels, C = s->in_channels;
    const Tiling g = tiling(s);
    const int chunks = (batch + chunk - 1) / chunk;
    const Parts p0 = parts(s, chunk, scratch.base);
    const float *u = transformed_weights(s, w, cache, &p0);

#pragma omp parallel for schedule(static) if (chunks > 1)
    for (int ci = 0; ci < chunks; ci++) {
        Parts p = parts(s, chunk, scratch.base + (size_t)omp_get_thread_num() * scratch.stride);
        int b0 = ci * chunk, nb = chunk_size(batch, b0, chunk);
        size_t T = (size_t)chunk * g.th * g.tw; /* row stride; the last chunk may use less */
        int n = nb * g.th * g.tw;
        input_transform(s, x, batch, b0, nb, T, &p);
        for (int xi = 0; xi < XI; xi++)
            nn_gemm(false, false, K, n, C, 1.0f, u + (size_t)xi * K * C, C,
                    p.v + (size_t)xi * C * T, (int)T, 0.0f, p.m + (size_t)xi * K * T, (int)T);
        output_transform(s, &p, T, y, batch, b0, nb);
    }
}

void
nn_winograd_backward(const NnConvShape *s, const float *x, const float *w, NnConvCache *cache,
                     const float *dy, float *dw, float *dx, int batch, int chunk, NnScratch scratch)
{
    const int K = s->out_channels, C = s->in_channels;
    const Tiling g = tiling(s);
    const int chunks = (batch + chunk - 1) / chunk;
    const size_t du_size = (size_t)XI * K * C;
    const int threads = chunks > 1 ? nn_get_threads() : 1;
    const Parts p0 = parts(s, chunk, scratch.base);
    const float *u = dx != NULL ? transformed_weights(s, w, cache, &p0) : NULL;

#pragma omp parallel num_threads(threads)
    {
        Parts p = parts(s, chunk, scratch.base + (size_t)omp_get_thread_num() * scratch.stride);
        memset(p.du, 0, du_size * sizeof(float));
#pragma omp for schedule(static)
        for (int ci = 0; ci < chunks; ci++) {
            int b0 = ci * chunk, nb = chunk_size(batch, b0, chunk);
            size_t T = (size_t)chunk * g.th * g.tw;
            int n = nb * g.th * g.tw;
            input_transform(s, x, batch, b0, nb, T, &p);
            output_adjoint(s, dy, batch, b0, nb, T, &p);
            for (int xi = 0; xi < XI; xi++)
                nn_gemm(false, true, K, C, n, 1.0f, p.m + (size_t)xi * K * T, (int)T,
                        p.v + (size_t)xi * C * T, (int)T, 1.0f, p.du + (size_t)xi * K * C, C);
            if (dx != NULL) {
                for (int xi = 0; xi < XI; xi++)
                    nn_gemm(true, false, C, n, K, 1.0f, u + (size_t)xi * K * C, C,
                            p.m + (size_t)xi * K * T, (int)T, 0.0f, p.dv + (size_t)xi * C * T, (int)T);
                input_adjoint(s, &p, T, dx, batch, b0, nb);
            }
        }
    }
    /* The threads' partial sums, added in thread order, then back through G. */
    for (int t = 1; t < threads; t++) {
        const float *part = parts(s, chunk, scratch.base + (size_t)t * scratch.stride).du;
        for (size_t i = 0; i < du_size; i++)
            p0.du[i] += part[i];
    }
    weight_gradient(s, p0.du, dw, p0.taps);
}
