/*
 * dxl_gen: writes a DXL export of a made-up province's Notes database,
 * for tests/integration/dxl_replicate.sh and bench/bench_dxl.sh.
 *
 *   dxl_gen [-n DOCS] [-a PERMILLE] [-s MIN_KIB] [-S MAX_KIB]
 *           [-r PERMILLE] [-p PROVINCE] [-m MAPFILE] [-x SEED]
 *
 * On stdout: <database> with DOCS documents (default 300) in the
 * proportions of the province the project is modelled on (15,000
 * letters, 6,300 resolutions, 1,800 reports: forms "Công văn", "Nghị
 * quyết", "Báo cáo"), each with Vietnamese text, a number, a datetime
 * with its zone, a list of text, a richtext body; every 20th is a
 * response to the one before it. PERMILLE of them (-a, default 0) carry
 * one attachment of MIN_KIB to MAX_KIB (default 1024 to 4096) of bytes
 * made from the seed (no two alike); -r PERMILLE (default 300) have
 * Readers and Authors items for the province and the district of
 * bacquang with its communes (half name its commune tanthanh too), and
 * so for none of the other districts. -m writes the --names file that
 * maps every Notes name used to the nodes below PROVINCE (default
 * hagiang): PROVINCE, bacquang.PROVINCE and *.bacquang.PROVINCE,
 * tanthanh.bacquang.PROVINCE; a role to no office. The same
 * arguments write the same bytes. Prints nothing else; exit 2 on bad
 * usage, 1 if stdout fails.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

static uint64_t	rng;

static uint64_t
next(void)
{
	/* xorshift64*: reproducible, and fast enough for gigabytes. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static const char *const subjects[] = {
	"Về việc triển khai kế hoạch phòng chống lụt bão",
	"Về việc tổ chức hội nghị tổng kết công tác năm",
	"Về việc phân bổ kinh phí xây dựng nông thôn mới",
	"Về việc tăng cường công tác quản lý đất đai",
	"Về việc chuẩn bị bầu cử đại biểu Hội đồng nhân dân",
	"Về việc kiểm tra an toàn vệ sinh thực phẩm dịp Tết",
};
static const char *const forms[] = { "Công văn", "Nghị quyết", "Báo cáo" };
static const char *const places[] = {
	"Sở Tài chính", "Sở Nội vụ", "Sở Kế hoạch và Đầu tư",
	"UBND huyện Bắc Quang", "UBND xã Tân Thành", "Văn phòng Tỉnh ủy",
};
#define N(a)	(sizeof(a) / sizeof((a)[0]))

static void
usage(void)
{
	fprintf(stderr, "usage: dxl_gen [-n DOCS] [-a PERMILLE] [-s MIN_KIB] "
	    "[-S MAX_KIB] [-r PERMILLE] [-p PROVINCE] [-m MAPFILE] "
	    "[-x SEED]\n");
	exit(2);
}

static long
arg(const char *s)
{
	char	*end;
	long	 v = strtol(s, &end, 10);

	if (*end != '\0' || end == s || v < 0)
		usage();
	return v;
}

static void
unid(long i, char out[33])
{
	uint8_t	h[16];
	char	in[32];

	snprintf(in, sizeof(in), "unid:%ld", i);
	crypto_generichash(h, sizeof(h), (const uint8_t *)in, strlen(in),
	    NULL, 0);
	for (int k = 0; k < 16; k++)
		snprintf(out + 2 * k, 3, "%02X", h[k]);
}

/* An attachment of size bytes made from the generator, in base64. */
static void
attachment(long i, size_t size)
{
	static uint8_t	buf[57 * 1024];
	static char	b64[sizeof(buf) / 3 * 4 + 1];
	size_t		done = 0, n, k;

	printf("<item name='$FILE' summary='true' sign='true' seal='true'>"
	    "<object><file hosttype='msdos' compression='none' "
	    "flags='storedindoc' encoding='none' name='tep_%ld.pdf' "
	    "size='%zu'><created><datetime>20120105T083000,00+07</datetime>"
	    "</created><modified><datetime>20120105T083000,00+07</datetime>"
	    "</modified><filedata>\n", i, size);
	while (done < size) {
		n = size - done < sizeof(buf) ? size - done : sizeof(buf);
		for (k = 0; k < n; k += 8) {
			uint64_t	r = next();

			memcpy(buf + k, &r, n - k < 8 ? n - k : 8);
		}
		sodium_bin2base64(b64, sizeof(b64), buf, n,
		    sodium_base64_VARIANT_ORIGINAL);
		/* Lines of 76, as Domino writes them. */
		for (k = 0; k < strlen(b64); k += 76)
			printf("%.76s\n", b64 + k);
		done += n;
	}
	printf("</filedata></file></object></item>\n");
}

/* Readers: the province and the district of bacquang (its communes
 * with it); half name the commune as well. A role mapped to no office,
 * and an author, who reads too. */
static void
readers(int commune)
{
	printf("<item name='DocReaders' summary='true' readers='true' "
	    "names='true'><textlist>"
	    "<text>CN=Văn thư/OU=TinhUy/O=HaGiang</text>"
	    "<text>Văn thư/BacQuang/HaGiang</text>%s"
	    "<text>[LanhDao]</text></textlist></item>\n", commune ?
	    "<text>CN=Văn thư/OU=TanThanh/OU=BacQuang/O=HaGiang</text>" : "");
	printf("<item name='DocAuthors' authors='true' names='true'><text>"
	    "CN=Nguyễn Văn An/OU=TinhUy/O=HaGiang</text></item>\n");
}

static void
document(long i, long att_pm, size_t min, size_t max, long r_pm,
    char prev[33])
{
	char		 u[33];
	const char	*form = i % 231 < 150 ? forms[0] : i % 231 < 213 ?
			    forms[1] : forms[2];
	int		 day = (int)(i % 28) + 1, month = (int)(i % 12) + 1;
	int		 year = 2010 + (int)(i % 14);

	unid(i, u);
	printf("<document form='%s'", form);
	if (i % 20 == 19)
		printf(" parent='%s' response='true'", prev);
	printf(">\n<noteinfo noteid='%lx' unid='%s' sequence='1'><created>"
	    "<datetime dst='true'>%04d%02d%02dT080000,00+07</datetime>"
	    "</created><modified><datetime>%04d%02d%02dT090000,00+07"
	    "</datetime></modified></noteinfo>\n", i + 0x100, u, year, month,
	    day, year, month, day);
	printf("<item name='SoKyHieu' summary='true'><text>%ld/UBND-VP</text>"
	    "</item>\n", i + 1);
	printf("<item name='TrichYeu' summary='true'><text>%s năm %d (số %ld)"
	    "</text></item>\n", subjects[i % N(subjects)], year, i + 1);
	printf("<item name='NgayBanHanh' summary='true'><datetime dst='true'>"
	    "%04d%02d%02dT080000,00+07</datetime></item>\n", year, month, day);
	printf("<item name='SoTrang'><number>%ld</number></item>\n",
	    1 + i % 40);
	printf("<item name='NoiNhan'><textlist><text>%s</text><text>%s</text>"
	    "</textlist></item>\n", places[i % N(places)],
	    places[(i + 3) % N(places)]);
	printf("<item name='Body'><richtext><pardef id='1'/><par def='1'>Kính "
	    "gửi: %s.</par><par def='1'>%s, đề nghị các đơn vị thực hiện "
	    "nghiêm túc.</par></richtext></item>\n", places[i % N(places)],
	    subjects[(i + 1) % N(subjects)]);
	if ((long)(next() % 1000) < r_pm)
		readers(i % 2 == 0);
	if ((long)(next() % 1000) < att_pm)
		attachment(i, min + (size_t)(next() % (max - min + 1)));
	printf("</document>\n");
	memcpy(prev, u, 33);
}

static void
names_file(const char *path, const char *p)
{
	FILE	*f = fopen(path, "w");

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	fprintf(f, "# Notes names of the test export, to the nodes below %s\n"
	    "CN=Văn thư/OU=TinhUy/O=HaGiang = %s\n"
	    "CN=Văn thư/OU=BacQuang/O=HaGiang = bacquang.%s, "
	    "*.bacquang.%s\n"
	    "CN=Văn thư/OU=TanThanh/OU=BacQuang/O=HaGiang = "
	    "tanthanh.bacquang.%s\n"
	    "CN=Nguyễn Văn An/OU=TinhUy/O=HaGiang = %s\n"
	    "[LanhDao] = -\n", p, p, p, p, p, p);
	if (fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	long		 docs = 300, att_pm = 0, r_pm = 300, seed = 1;
	size_t		 min = 1024, max = 4096;
	const char	*province = "hagiang", *map = NULL;
	char		 prev[33] = "";
	int		 ch;

	while ((ch = getopt(argc, argv, "n:a:s:S:r:p:m:x:")) != -1)
		switch (ch) {
		case 'n': docs = arg(optarg); break;
		case 'a': att_pm = arg(optarg); break;
		case 's': min = (size_t)arg(optarg); break;
		case 'S': max = (size_t)arg(optarg); break;
		case 'r': r_pm = arg(optarg); break;
		case 'p': province = optarg; break;
		case 'm': map = optarg; break;
		case 'x': seed = arg(optarg); break;
		default: usage();
		}
	if (optind != argc || min == 0 || max < min || sodium_init() == -1)
		usage();
	min *= 1024;
	max *= 1024;
	rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)seed;
	if (map != NULL)
		names_file(map, province);
	printf("<?xml version='1.0' encoding='utf-8'?>\n<!DOCTYPE database>\n"
	    "<database xmlns='http://www.lotus.com/dxl' version='9.0' "
	    "replicaid='48257A1B0012F3C4' title='Văn bản %s'>\n"
	    "<databaseinfo dbid='48257A1B0012F3C4' numberofdocuments='%ld'/>\n",
	    province, docs);
	for (long i = 0; i < docs; i++)
		document(i, att_pm, min, max, r_pm, prev);
	printf("</database>\n");
	return fflush(stdout) != 0 || ferror(stdout);
}
