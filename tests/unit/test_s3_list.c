/* Parsing S3 ListObjects (V1, V2) pages with expat (initc/s3_list.h).
 * Only the parse function: listing needs a server. <Error> bodies are
 * test_s3_error.c's. */
#include <stdlib.h>
#include <string.h>

#include "s3_list.h"
#include "t.h"

#define NS "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\""

static int parse(const char *xml, struct s3_objlist *out, struct s3_page *page, struct buf *err)
{
	return s3_parse_list_page(xml, strlen(xml), out, page, err);
}

/* The shape AWS documents for ListObjectsV2, with the nested elements a
 * parser could mistake for the object's own (Owner/ID, DisplayName). */
static const char v2_page[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<ListBucketResult " NS ">\n"
	"  <Name>models</Name>\n"
	"  <Prefix>iris/</Prefix>\n"
	"  <KeyCount>2</KeyCount>\n"
	"  <MaxKeys>2</MaxKeys>\n"
	"  <IsTruncated>true</IsTruncated>\n"
	"  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>\n"
	"  <Contents>\n"
	"    <Key>iris/MLmodel</Key>\n"
	"    <LastModified>2009-10-12T17:50:30.000Z</LastModified>\n"
	"    <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>\n"
	"    <Size>434234</Size>\n"
	"    <Owner><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>"
	"<DisplayName>mtd@amazon.com</DisplayName></Owner>\n"
	"    <StorageClass>STANDARD</StorageClass>\n"
	"  </Contents>\n"
	"  <CommonPrefixes><Prefix>iris/sub/</Prefix></CommonPrefixes>\n"
	"  <Contents>\n"
	"    <Size>12</Size>\n"
	"    <ETag>\"3858f62230ac3c915f300c664312c11f-2\"</ETag>\n"
	"    <Key>iris/model &amp; data.pkl</Key>\n"
	"    <LastModified>2024-02-29T23:59:58.123Z</LastModified>\n"
	"  </Contents>\n"
	"</ListBucketResult>\n";

static void test_v2_page(void)
{
	struct s3_objlist out = { 0 };
	struct s3_page page;
	struct buf err = BUF_INIT;

	CHECK_INT(parse(v2_page, &out, &page, &err), 0);
	CHECK_INT(out.n, 2);
	if (out.n == 2) {
		CHECK_STR(out.v[0].key, "iris/MLmodel");
		CHECK_INT(out.v[0].size, 434234);
		CHECK_STR(out.v[0].etag, "fba9dede5f27731c9771645a39863328");
		CHECK_INT(out.v[0].mtime, 1255369830);   /* date -u -d 2009-10-12T17:50:30Z +%s */
		CHECK_STR(out.v[1].key, "iris/model & data.pkl");
		CHECK_INT(out.v[1].size, 12);
		CHECK_STR(out.v[1].etag, "3858f62230ac3c915f300c664312c11f-2");
		CHECK_INT(out.v[1].mtime, 1709251198);   /* 2024-02-29T23:59:58Z */
	}
	CHECK_INT(page.truncated, 1);
	CHECK_STR(page.next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
	CHECK_INT(page.url_encoded, 0);
	free(page.next_token);

	/* a second page appends to the same list */
	CHECK_INT(parse("<ListBucketResult " NS "><IsTruncated>false</IsTruncated>"
			"<Contents><Key>iris/z</Key><Size>1</Size></Contents></ListBucketResult>",
			&out, &page, &err), 0);
	CHECK_INT(out.n, 3);
	if (out.n == 3) {
		CHECK_STR(out.v[0].key, "iris/MLmodel");
		CHECK_STR(out.v[2].key, "iris/z");
		CHECK_STR(out.v[2].etag, "");   /* absent ETag: "" */
		CHECK_INT(out.v[2].mtime, 0);
	}
	CHECK_INT(page.truncated, 0);
	CHECK(page.next_token == NULL);
	s3_objlist_free(&out);
	CHECK(out.n == 0 && out.v == NULL);
	buf_free(&err);
}

static void test_v1_pages(void)
{
	struct s3_objlist out = { 0 };
	struct s3_page page;
	struct buf err = BUF_INIT;

	/* with NextMarker (a delimiter was given) */
	CHECK_INT(parse("<ListBucketResult " NS "><Name>b</Name><Prefix></Prefix><Marker></Marker>"
			"<NextMarker>iris/b</NextMarker><MaxKeys>1000</MaxKeys>"
			"<IsTruncated>true</IsTruncated>"
			"<Contents><Key>iris/a</Key><Size>5</Size><ETag>\"x\"</ETag></Contents>"
			"</ListBucketResult>", &out, &page, &err), 0);
	CHECK_INT(out.n, 1);
	CHECK_INT(page.truncated, 1);
	CHECK_STR(page.next_token, "iris/b");
	free(page.next_token);
	s3_objlist_free(&out);

	/* without NextMarker: the caller continues after the last key */
	CHECK_INT(parse("<ListBucketResult " NS "><Marker>iris/0</Marker>"
			"<IsTruncated>true</IsTruncated>"
			"<Contents><Key>iris/a</Key><Size>5</Size></Contents>"
			"<Contents><Key>iris/b</Key><Size>6</Size></Contents>"
			"</ListBucketResult>", &out, &page, &err), 0);
	CHECK_INT(out.n, 2);
	CHECK_INT(page.truncated, 1);
	CHECK(page.next_token == NULL);
	free(page.next_token);
	s3_objlist_free(&out);

	/* no namespace at all (some S3 clones) */
	CHECK_INT(parse("<ListBucketResult><IsTruncated>false</IsTruncated>"
			"<Contents><Key>k</Key><Size>0</Size></Contents></ListBucketResult>",
			&out, &page, &err), 0);
	CHECK_INT(out.n, 1);
	CHECK_INT(page.truncated, 0);
	s3_objlist_free(&out);
	buf_free(&err);
}

/* EncodingType=url: '+' is a space, %XX a byte; keys are decoded. */
static void test_url_encoding(void)
{
	struct s3_objlist out = { 0 };
	struct s3_page page;
	struct buf err = BUF_INIT;

	CHECK_INT(parse("<ListBucketResult " NS "><EncodingType>url</EncodingType>"
			"<IsTruncated>false</IsTruncated>"
			"<Contents><Key>dir/a+b%2Bc%20d%C3%BC%25</Key><Size>1</Size></Contents>"
			"<Contents><Key>dir/100%</Key><Size>1</Size></Contents>"
			"</ListBucketResult>", &out, &page, &err), 0);
	CHECK_INT(page.url_encoded, 1);
	CHECK_INT(out.n, 2);
	if (out.n == 2) {
		CHECK_STR(out.v[0].key, "dir/a b+c d\xc3\xbc%");
		CHECK_STR(out.v[1].key, "dir/100%");   /* a lone '%' stays */
	}
	s3_objlist_free(&out);

	/* without EncodingType the same text is the key itself */
	CHECK_INT(parse("<ListBucketResult " NS "><IsTruncated>false</IsTruncated>"
			"<Contents><Key>dir/a+b%2B</Key><Size>1</Size></Contents>"
			"</ListBucketResult>", &out, &page, &err), 0);
	CHECK_INT(page.url_encoded, 0);
	CHECK_STR(out.n ? out.v[0].key : NULL, "dir/a+b%2B");
	s3_objlist_free(&out);

	/* V1 with encoding-type=url encodes NextMarker too (S3 API reference,
	 * ListObjects: "Delimiter, Marker, Prefix, NextMarker, Key"); rclone
	 * unescapes it before sending it back as marker. */
	CHECK_INT(parse("<ListBucketResult " NS "><EncodingType>url</EncodingType>"
			"<NextMarker>dir/a+b%2Bc</NextMarker><IsTruncated>true</IsTruncated>"
			"<Contents><Key>dir/a+b%2Bc</Key><Size>1</Size></Contents>"
			"</ListBucketResult>", &out, &page, &err), 0);
	CHECK_STR(out.n ? out.v[0].key : NULL, "dir/a b+c");
	CHECK_STR(page.next_token, "dir/a b+c");
	free(page.next_token);
	s3_objlist_free(&out);
	buf_free(&err);
}

/* CommonPrefixes are "directories", not objects. */
static void test_common_prefixes(void)
{
	struct s3_objlist out = { 0 };
	struct s3_page page;
	struct buf err = BUF_INIT;
	CHECK_INT(parse("<ListBucketResult " NS "><IsTruncated>false</IsTruncated>"
			"<CommonPrefixes><Prefix>a/</Prefix></CommonPrefixes>"
			"<CommonPrefixes><Prefix>b/</Prefix></CommonPrefixes>"
			"</ListBucketResult>", &out, &page, &err), 0);
	CHECK_INT(out.n, 0);
	s3_objlist_free(&out);
	buf_free(&err);
}

static void test_malformed(void)
{
	struct s3_objlist out = { 0 };
	struct s3_page page;
	struct buf err = BUF_INIT;

	CHECK_INT(parse("<ListBucketResult " NS ">\n<Contents>\n  <Key>a</Kex>\n</Contents>\n"
			"</ListBucketResult>", &out, &page, &err), -1);
	CHECK(err.data && strstr(err.data, "line 3"));
	CHECK(err.data && strstr(err.data, "column"));
	free(page.next_token);
	s3_objlist_free(&out);
	buf_reset(&err);

	CHECK_INT(parse("<ListBucketResult><IsTruncated>true</IsTruncated>", &out, &page, &err), -1);
	CHECK(err.len > 0);
	s3_objlist_free(&out);
	buf_reset(&err);

	CHECK_INT(parse("", &out, &page, &err), -1);
	CHECK(err.len > 0);
	buf_reset(&err);

	CHECK_INT(parse("not xml at all", &out, &page, &err), -1);
	CHECK(err.data && strstr(err.data, "line 1"));
	s3_objlist_free(&out);
	buf_free(&err);
}

static char *page_with_key(size_t keylen)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "<ListBucketResult " NS "><IsTruncated>false</IsTruncated><Contents><Key>");
	for (size_t i = 0; i < keylen; i++)
		buf_addc(&b, i % 64 == 63 ? '/' : 'k');
	buf_adds(&b, "</Key><Size>1</Size></Contents></ListBucketResult>");
	return buf_steal(&b);
}

static void test_limits(void)
{
	struct s3_objlist out = { 0 };
	struct s3_page page;
	struct buf err = BUF_INIT;

	/* S3's own maximum key length is 1024 bytes: fine */
	char *xml = page_with_key(1024);
	CHECK_INT(parse(xml, &out, &page, &err), 0);
	CHECK_INT(out.n ? strlen(out.v[0].key) : 0, 1024);
	s3_objlist_free(&out);
	free(xml);

	xml = page_with_key(S3_LIST_MAX_KEY_BYTES + 1000);
	CHECK_INT(parse(xml, &out, &page, &err), -1);
	CHECK(err.data && strstr(err.data, "4096"));
	s3_objlist_free(&out);
	free(xml);
	buf_free(&err);
}

/* A Size that is not a non-negative number: refused. Size -1 is what the
 * rest of initc reads as "unknown", which would turn off the size check
 * of the download. */
static void test_bad_sizes(void)
{
	static const char *const bad[] = { "-1", "12abc", "", "abc" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct s3_objlist out = { 0 };
		struct s3_page page;
		struct buf err = BUF_INIT;
		char *xml = xasprintf("<ListBucketResult " NS "><IsTruncated>false</IsTruncated>"
				      "<Contents><Key>k</Key><Size>%s</Size></Contents>"
				      "</ListBucketResult>", bad[i]);
		printf("# Size \"%s\"\n", bad[i]);
		CHECK_INT(parse(xml, &out, &page, &err), -1);
		CHECK(err.len > 0);
		s3_objlist_free(&out);
		free(page.next_token);
		free(xml);
		buf_free(&err);
	}
}

int main(void)
{
	test_v2_page();
	test_v1_pages();
	test_url_encoding();
	test_common_prefixes();
	test_malformed();
	test_limits();
	test_bad_sizes();
	return T_DONE();
}
