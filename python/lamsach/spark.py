"""lamsach on Apache Spark: the CLI's linking over a cluster, through the same core.

    lamsach-spark JOB.toml --out DIR [--master local[2]]
    spark-submit --master yarn .../site-packages/lamsach/spark.py JOB.toml --out DIR   (the wheel on every node)

Stages (every one calls lamsach's Rust core through ``lamsach._lamsach``):

1. Read and normalize. A Parquet input is read by Spark (with each row's index) and
   normalized with ``mapInArrow``; a CSV/TSV input is read by lamsach's own decoders (any
   encoding), one task per file.
2. Term frequencies and shared IDs of the reference: counts per key, joined back.
3. The model: trained on the driver exactly as the CLI trains (every record in job order,
   the reference's people), or the job's ``[link] model``.
4. Blocking: each record's asked keys and each person's keys are exploded; a block's people
   are capped at ``max_block`` (lowest rows first, the block marked truncated, as the CLI
   does). A block with many records is split into salted sub-blocks, each with the block's
   people, so one common name never makes one giant task.
5. Linking: each (rule, key, salt) group is scored by ``score_blocks`` (cogrouped
   ``applyInArrow``); every record's pairs are reduced by ``reduce_links`` to the CLI's link:
   narrow rules first, broad ones without a sure winner, best and runner-up, class. Then a
   birth register's parents and children are linked through their families (``family_links``:
   the reference's parent of a linked child, the reference's children of a linked parent), as
   the CLI does.

6. Assessment, split by each check's own key (``lamsach::assess::keyed``): a stage over whole
   rows places every record in its checks' groups (``assess_members``: duplicates, deaths in
   registers, books, births by day, deaths three ways) and its key's (``base_record_keys``);
   the groups are checked a bucket at a time (``assess_groups``, ``told_apart_keys``); each row
   is assessed with its groups' outcomes (``assess``), as the CLI assesses it.

Writes ``DIR/records.parquet`` (one row per record: the CLI's columns but the name and
address parts and the officers' decision columns), ``DIR/issues.parquet``,
``DIR/matches.parquet`` and ``DIR/quarantine.parquet`` (the CLI's columns) and
``DIR/summary.json`` (the CLI's figures overall, per source and per commune, and the seconds per
stage under ``spark``). The report, worklist and manifest are the CLI's.
"""

import argparse
import json
import math
import os
import sys
import time

import pyarrow as pa
import pyarrow.compute as pc

from lamsach import _lamsach as L  # absolute: spark-submit runs this file as a script

RECORDS_DDL = (
    "source string, source_no int, source_row long, role string, features binary, person_id string, "
    "tf_name long, tf_dob long, tf_commune long, normalizer_codes string, raw binary, person binary, "
    "quarantine_reason string, source_row_end long, quarantine_raw string, encoding string, legacy_encoding boolean"
)
LINK_CLASSES = ("match", "no_match", "review")
# Records of one block scored in one task at most; a block with more is salted.
SALT_RECORDS = 2000
# The driver trains on every reference person and every record up to these many (the CLI's
# exact model); above, on a sample of them (λ still for the whole extract).
TRAIN_PEOPLE = 3_000_000
TRAIN_RECORDS = 5_000_000
ROW = "__lamsach_row"
# The check name under which the stage over rows hands on each record's key before repeats are told apart.
RECORD_KEY = "record_key"
# Spark job groups name lamsach-spark's phases (in its event log and status tracker); this one
# checks the cross-record groups (its task count is reported).
CHECK_GROUPS = "lamsach:assess-groups"


def _cut(df):
    """Cuts a DataFrame's lineage (the plans of nine unioned registers are otherwise re-planned,
    and their text rebuilt, at every later action): a reliable checkpoint when the job was given
    a checkpoint folder every node sees (``--checkpoint-dir``; a lost executor's part is read
    back from it), else a local one, kept by the executors (fast, but a job that loses an
    executor after it fails)."""
    if df.sparkSession.sparkContext.getCheckpointDir():
        return df.checkpoint()
    return df.localCheckpoint()


def _phase(spark, name):
    """Names the Spark jobs that follow as one of lamsach-spark's phases (a job group)."""
    spark.sparkContext.setJobGroup(f"lamsach:{name}", f"lamsach-spark: {name}")


def _result_tasks(sc, group):
    """The task count of the last stage of the jobs of a job group (Spark's status tracker)."""
    tracker = sc.statusTracker()
    stages = [max(info.stageIds) for j in tracker.getJobIdsForGroup(group) if (info := tracker.getJobInfo(j)) and info.stageIds]
    found = [tracker.getStageInfo(s) for s in stages]
    return max((s.numTasks for s in found if s), default=0)


def _with_source(batch, name, no):
    n = batch.num_rows
    cols = [pa.array([name] * n, pa.string()), pa.array([no] * n, pa.int32())]
    return pa.RecordBatch.from_arrays(cols + batch.columns, names=["source", "source_no"] + batch.schema.names)


def _read(spark, job, entry, no):
    """One input as normalized records and quarantined rows (a DataFrame of RECORDS_DDL)."""
    name = entry["name"]
    if entry["format"] not in ("parquet", "csv"):
        raise ValueError(
            f"source {name}: {entry['format']} files are not read on Spark; save it as CSV or Parquet (the CLI reads it as it is)"
        )
    if entry["format"] == "parquet":
        raw = spark.read.parquet(entry["path"])
        cols = [c for c in raw.columns]
        from pyspark.sql import functions as F

        raw = raw.select(
            *[F.col(f"`{c}`").cast("string").alias(c) for c in cols],
            (F.col("_metadata.row_index") + 1).alias(ROW),
        )

        # The days a register overuses for unknown dates of birth are the whole register's:
        # each partition counts its dates by day, the driver sums 416 numbers a partition.
        days = None
        if no >= 0:

            def counts(batches):
                for b in batches:
                    yield pa.RecordBatch.from_arrays([pa.array([L.dob_day_counts(job, name, b, ROW)], pa.list_(pa.int64()))], names=["counts"])

            parts = [r["counts"] for r in raw.mapInArrow(counts, "counts array<bigint>").collect()]
            days = L.overused_days([sum(x) for x in zip(*parts)] if parts else [0] * (13 * 32))

        def norm(batches):
            for b in batches:
                yield _with_source(L.normalize_rows(job, name, b, ROW, days), name, no)

        return raw.mapInArrow(norm, RECORDS_DDL)

    def read(batches):
        for b in batches:
            for _ in range(b.num_rows):
                out = L.read_source(job, name)
                for at in range(0, out.num_rows, 65536):
                    yield _with_source(out.slice(at, 65536), name, no)

    return spark.createDataFrame([(name,)], "name string").repartition(1).mapInArrow(read, RECORDS_DDL)


def _frequencies(people, n_people):
    """Per person the frequency of its name, date of birth and commune in the extract."""
    from pyspark.sql import functions as F

    out = people
    for key in ("tf_name", "tf_dob", "tf_commune"):
        counts = people.where(F.col(key).isNotNull()).groupBy(key).agg(F.count("*").alias(f"{key}_count"))
        out = out.join(counts, key, "left")
    ids = people.where(F.col("person_id").isNotNull()).groupBy("person_id").agg((F.count("*") > 1).alias("shared_id"))
    out = out.join(ids, "person_id", "left").fillna({"shared_id": False})

    def freq(batches):
        for b in batches:
            t = pa.Table.from_batches([b])
            cols = {}
            for key in ("tf_name", "tf_dob", "tf_commune"):
                # No value counts as 0, which the core's frequency turns into 0.0, as the CLI's table holds.
                count = pc.cast(pc.fill_null(t[f"{key}_count"], 0), pa.int64()).combine_chunks()
                cols[f"{key}_freq"] = L.frequencies(pa.RecordBatch.from_arrays([count], names=["count"]), n_people).column("freq")
            t = t.select(["ref_key", "features", "person", "person_id", "source_row", "shared_id"])
            for k, v in cols.items():
                t = t.append_column(k, v)
            for rb in t.to_batches():
                yield rb

    ddl = (
        "ref_key long, features binary, person binary, person_id string, source_row long, shared_id boolean, "
        "tf_name_freq float, tf_dob_freq float, tf_commune_freq float"
    )
    return out.mapInArrow(freq, ddl)


def _keys(df, id_col, people):
    def keys(batches):
        for b in batches:
            t = pa.Table.from_batches([b])
            arg = pa.RecordBatch.from_arrays([t[id_col].combine_chunks(), t["features"].combine_chunks()], names=["id", "features"])
            yield L.blocking_keys(arg, people)

    return df.select(id_col, "features").mapInArrow(keys, "id long, rule int, key long, broad boolean")


def _batch(table, names):
    table = table.select(names).combine_chunks()
    if table.num_rows == 0:
        return pa.RecordBatch.from_arrays([pa.array([], type=f.type) for f in table.schema], schema=table.schema)
    return table.to_batches()[0]


def _through_families(links, records, people_tf, plan, job, model, parts):
    """Records linked through their families, as the CLI links them (three passes of
    ``family_links``): a birth register's parents through the row's linked child (the
    reference's mother or father of that child, held by one row of the extract); then each
    child still unlinked through a linked parent (the reference's children of that parent,
    the mother's first); then the parents again."""
    from pyspark.sql import functions as F

    links = links.withColumn("by_family", F.lit(False)).withColumn("family_disagrees", F.lit(False))
    parents = None
    for no, s in enumerate(plan["sources"]):
        if s.get("event_role") is None:
            continue
        for role, which in (s.get("parent_roles") or {}).items():
            role = int(role)
            df = records.where((F.col("source_no") == no) & (F.col("id") % 16 == role)).select(
                "id", F.lit(which).alias("parent"), (F.col("id") - role + s["event_role"]).alias("child_id"))
            parents = df if parents is None else parents.unionByName(df)
    if parents is None:
        return links

    def ids(batches):
        for b in batches:
            t = pa.Table.from_batches([b])
            out = L.parent_ids(_batch(t, ["person"]))
            yield pa.RecordBatch.from_arrays([t["ref_key"].combine_chunks()] + out.columns, names=["child_ref"] + out.schema.names)

    families = people_tf.select("ref_key", "person").mapInArrow(ids, "child_ref long, mother_id string, father_id string")
    # A parent ID under more than MAX_CHILDREN rows is a placeholder, no family (as the CLI).
    for col in ("mother_id", "father_id"):
        placeholders = families.groupBy(col).count().where(F.col("count") > L.MAX_CHILDREN).select(col)
        families = families.join(placeholders.withColumn("_placeholder", F.lit(True)), col, "left").withColumn(
            col, F.when(F.col("_placeholder").isNull(), F.col(col))).drop("_placeholder")
    families = families.transform(_cut)
    holders = people_tf.where(~F.col("shared_id") & F.col("person_id").isNotNull()).select(
        F.col("person_id").alias("cand_id"), F.col("ref_key").alias("cand_ref_key"))
    matched = lambda links: links.where(F.col("match_class") == "match")

    def through_child(links):
        children = matched(links).select(F.col("id").alias("child_id"), F.col("best_ref_key").alias("child_ref"))
        return (parents.join(children, "child_id").join(families, "child_ref")
                .withColumn("cand_id", F.when(F.col("parent") == 0, F.col("mother_id")).otherwise(F.col("father_id")))
                .join(holders, "cand_id").select("id", "parent", "cand_ref_key"))

    def through_parents(links):
        linked = matched(links).select(F.col("id").alias("parent_record"), F.col("best_ref_key").alias("parent_ref"))
        ids_of = people_tf.select(F.col("ref_key").alias("parent_ref"), F.col("person_id").alias("parent_id")).where(F.col("parent_id").isNotNull())
        p = parents.withColumnRenamed("id", "parent_record").join(linked, "parent_record").join(ids_of, "parent_ref")
        kids = lambda col: families.select(F.col("child_ref").alias("cand_ref_key"), F.col(col).alias("parent_id"))
        return (p.where(F.col("parent") == 0).join(kids("mother_id"), "parent_id")
                .unionByName(p.where(F.col("parent") == 1).join(kids("father_id"), "parent_id"))
                .select(F.col("child_id").alias("id"), "parent", "cand_ref_key"))

    candidates = people_tf.select(F.col("ref_key").alias("cand_ref_key"), F.col("features").alias("cand_features"),
                                  "tf_name_freq", "tf_dob_freq", "tf_commune_freq")
    cols = ["id", "features", "parent", "match_class", "best_ref_key", "best_weight", "best_probability", "runner_up_ref_key",
            "runner_up_weight", "by_family", "family_disagrees", "cand_ref_key", "cand_features", "tf_name_freq", "tf_dob_freq",
            "tf_commune_freq"]
    ddl = ("id long, match_class string, best_ref_key long, best_weight double, best_probability double, "
           "runner_up_ref_key long, runner_up_weight double, by_family boolean, family_disagrees boolean")

    def stage(links, pairs, children):
        current = links.select("id", "match_class", "best_ref_key", "best_weight", "best_probability", "runner_up_ref_key",
                               "runner_up_weight", "by_family", "family_disagrees")
        rows = (pairs.join(records.select("id", "features"), "id").join(candidates, "cand_ref_key")
                .join(current, "id", "left")  # a record with no candidate of its own has no link row yet
                .fillna({"match_class": "no_match", "by_family": False, "family_disagrees": False}))

        def decide(t):
            return pa.Table.from_batches([L.family_links(job, _batch(t, cols), model, children)])

        # Every candidate row of a record in one call: a record's siblings are weighed together.
        decided = rows.select(*cols).groupBy((F.col("id") % parts).alias("bucket")).applyInArrow(
            lambda t: decide(t.drop(["bucket"]) if "bucket" in t.column_names else t), ddl).transform(_cut)
        updated = decided.join(links.select("id", "candidates", "truncated", "sure"), "id", "left").fillna(
            {"candidates": 0, "truncated": False, "sure": False})
        return links.join(decided.select("id"), "id", "left_anti").unionByName(updated).transform(_cut)

    links = stage(links, through_child(links), False)
    links = stage(links, through_parents(links), True)
    return stage(links, through_child(links), False)


def link(spark, job, out_dir, partitions=None):
    """Runs the Spark job for JOB; returns the summary written beside records.parquet."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    t0 = time.time()
    stages = {}
    _phase(spark, "read")
    plan = json.loads(L.job_plan(job))
    cap = plan["max_block"]
    parts = partitions or max(2, spark.sparkContext.defaultParallelism * 4)

    ref = plan["reference"]
    read_ref = _read(spark, job, ref, -1).withColumn("source_file", F.lit(ref["path"])).cache()
    people = read_ref.where(F.col("quarantine_reason").isNull()).withColumn("ref_key", F.col("source_row"))
    quarantine = read_ref.where(F.col("quarantine_reason").isNotNull())
    n_people = people.count()
    records = None
    for no, s in enumerate(plan["sources"]):
        roles = F.create_map(*[x for i, r in enumerate(s["roles"]) for x in (F.lit(r), F.lit(i))])
        df = _read(spark, job, s, no).withColumn("source_file", F.lit(s["path"])).withColumn(
            "id", (F.col("source_no").cast("long") * (1 << 44)) + F.col("source_row") * 16 + F.coalesce(roles[F.col("role")], F.lit(15))
        ).cache()
        quarantine = quarantine.unionByName(df.where(F.col("quarantine_reason").isNotNull()), allowMissingColumns=True)
        df = df.where(F.col("quarantine_reason").isNull())
        records = df if records is None else records.unionByName(df)
    # Cut the lineage here and after each stage: the plans of nine unioned registers are
    # otherwise re-planned (and their text rebuilt) at every later action.
    records = records.transform(_cut)
    quarantine = quarantine.transform(_cut)
    n_records = records.count()
    stages["read_normalize"] = round(time.time() - t0, 2)

    t = time.time()
    _phase(spark, "frequencies")
    people_tf = _frequencies(people, n_people).transform(_cut)
    stages["frequencies"] = round(time.time() - t, 2)
    _phase(spark, "train")

    # The model, on the driver, from every record in job order and the people in row order.
    t = time.time()
    recs = records.select("id", "features")
    if n_records > TRAIN_RECORDS:
        recs = recs.sample(fraction=TRAIN_RECORDS / n_records, seed=20250701)
    rec_feats = recs.orderBy("id").toArrow()
    ppl = people.select("ref_key", "features")
    if n_people > TRAIN_PEOPLE:
        ppl = ppl.sample(fraction=TRAIN_PEOPLE / n_people, seed=20250701)
    ppl_feats = ppl.orderBy("ref_key").toArrow()
    model = L.train(job, _batch(rec_feats, ["features"]), _batch(ppl_feats, ["features"]), n_people)
    stages["train"] = round(time.time() - t, 2)
    _phase(spark, "link")

    # Blocks: people capped at the lowest rows; records salted where a block has many.
    t = time.time()
    pkeys = _keys(people_tf, "ref_key", True).withColumnRenamed("id", "ref_key").withColumnRenamed("broad", "broad_rule")
    w = Window.partitionBy("rule", "key").orderBy("ref_key")
    pkeys = pkeys.withColumn("n", F.row_number().over(w)).withColumn("size", F.count("*").over(Window.partitionBy("rule", "key")))
    pkeys = pkeys.where(F.col("n") <= cap).withColumn("truncated", F.col("size") > cap).drop("n", "size")
    rkeys = _keys(records, "id", False)
    load = rkeys.groupBy("rule", "key").agg(F.ceil(F.count("*") / F.lit(SALT_RECORDS)).cast("int").alias("salts"))
    rkeys = rkeys.join(load, ["rule", "key"]).withColumn("salt", (F.abs(F.xxhash64("id")) % F.col("salts")).cast("int"))
    pkeys = pkeys.join(load, ["rule", "key"]).withColumn("salt", F.explode(F.sequence(F.lit(0), F.col("salts") - 1))).drop("salts")
    rside = rkeys.join(records.select("id", "features"), "id").select("rule", "key", "salt", "id", "features", "broad")
    pside = pkeys.join(people_tf, "ref_key").select(
        "rule", "key", "salt", "broad_rule", "ref_key", "features", "tf_name_freq", "tf_dob_freq", "tf_commune_freq", "shared_id", "truncated"
    )
    pairs_ddl = "id long, ref_key long, weight double, broad boolean, truncated boolean, shared_id boolean"
    empty_pairs = pa.schema([("id", pa.int64()), ("ref_key", pa.int64()), ("weight", pa.float64()),
                             ("broad", pa.bool_()), ("truncated", pa.bool_()), ("shared_id", pa.bool_())]).empty_table()

    def score(left, right):
        if left.num_rows == 0 or right.num_rows == 0:
            return empty_pairs
        r = _batch(left, ["rule", "key", "salt", "id", "features", "broad"])
        p = _batch(right, ["rule", "key", "salt", "ref_key", "features", "tf_name_freq", "tf_dob_freq", "tf_commune_freq", "shared_id", "truncated"])
        return pa.Table.from_batches([L.score_blocks(r, p, model)])

    def scored(r, p):
        # Blocks travel in buckets: one Python call scores many of them.
        bucket = F.abs(F.xxhash64("rule", "key", "salt")) % F.lit(parts * 16)
        r = r.withColumn("bucket", bucket)
        p = p.withColumn("bucket", bucket)
        return r.groupBy("bucket").cogroup(p.groupBy("bucket")).applyInArrow(score, pairs_ddl)

    links_ddl = ("id long, match_class string, best_ref_key long, best_weight double, best_probability double, "
                 "runner_up_ref_key long, runner_up_weight double, candidates int, truncated boolean, sure boolean")

    def reduce(table):
        cols = ["id", "ref_key", "weight", "broad", "truncated", "shared_id"]
        return pa.Table.from_batches([L.reduce_links(job, _batch(table, cols))])

    def reduced(pairs):
        return pairs.groupBy((F.col("id") % parts).alias("bucket")).applyInArrow(
            lambda t: reduce(t.drop(["bucket"]) if "bucket" in t.column_names else t), links_ddl)

    # As the CLI: the narrow rules first; the broad ones only for records without a sure,
    # clear winner among the narrow rules' people (most records have one: their ID).
    narrow_pairs = scored(rside.where(~F.col("broad")), pside.where(~F.col("broad_rule"))).transform(_cut)
    first = reduced(narrow_pairs).transform(_cut)
    sure = first.where(F.col("sure")).select("id")
    open_ids = records.select("id").join(sure, "id", "left_anti")
    broad_pairs = scored(rside.where(F.col("broad")).join(open_ids, "id", "left_semi"), pside.where(F.col("broad_rule")))
    second = reduced(narrow_pairs.join(open_ids, "id", "left_semi").unionByName(broad_pairs))
    links = first.where(F.col("sure")).unionByName(second)
    links = _through_families(links, records, people_tf, plan, job, model, parts).transform(_cut)
    stages["link"] = round(time.time() - t, 2)
    _phase(spark, "assess-places")

    # Assess: the checks across records split by each check's own key (lamsach::assess::keyed).
    # Every record is placed in its checks' groups (duplicates by person, ID or name and date of
    # birth; deaths by person; books; births by the day; deaths three ways) and in its key's
    # (repeats told apart) by a stage over whole rows; the groups are checked `parts` buckets at
    # a time; each row is then assessed with its groups' outcomes. No task holds more than its
    # buckets, and the driver receives nothing but the outputs' aggregates.
    t = time.time()
    linked_records = (
        records.select("id", "source", "raw", "person_id").join(links, "id", "left")
        .fillna({"match_class": "no_match", "candidates": 0, "truncated": False, "family_disagrees": False})
    )
    linked_people = people_tf.select(F.col("ref_key").alias("best_ref_key"), F.col("features").alias("best_features"),
                                     F.col("person").alias("best_person"), F.col("shared_id").alias("best_shared"))
    # A record's personal ID held by someone in the extract (ID_OTHER_PERSON when not its person's).
    held = people.select("person_id").where(F.col("person_id").isNotNull()).distinct().withColumn("id_held", F.lit(True))
    enriched = (linked_records.join(linked_people, "best_ref_key", "left").join(held, "person_id", "left")
                .fillna({"id_held": False})).transform(_cut)
    # Each register's overused days for unknown dates of birth: every part is normalized with them.
    def day_counts(batches):
        for b in batches:
            counts = L.record_dob_day_counts(job, b)
            yield pa.RecordBatch.from_arrays([pa.array(list(range(len(counts))), pa.int32()), pa.array(counts, pa.list_(pa.int64()))], names=["no", "counts"])

    summed = {}
    for r in records.select("id", "source", "raw").mapInArrow(day_counts, "no int, counts array<bigint>").collect():
        summed[r["no"]] = [a + b for a, b in zip(summed.get(r["no"], [0] * len(r["counts"])), r["counts"])]
    days = json.dumps({s["name"]: json.loads(L.overused_days(summed.get(no, [0] * 13 * 32))) for no, s in enumerate(plan["sources"])})
    cols = ["id", "source", "raw", "match_class", "best_ref_key", "best_weight", "best_probability", "candidates", "truncated",
            "family_disagrees", "best_features", "best_person", "best_shared"]
    by_row = (F.shiftright(F.col("id"), 4) % parts).alias("bucket")

    def places(t):
        b = _batch(t, cols)
        keys = L.base_record_keys(job, b)
        n = keys.num_rows
        members = L.assess_members(job, b, days)
        own_key = pa.RecordBatch.from_arrays([keys.column(0), pa.array([RECORD_KEY] * n, pa.string()), keys.column(2), pa.array([True] * n)],
                                             schema=members.schema)
        return pa.Table.from_batches([members, own_key])

    placed = enriched.groupBy(by_row).applyInArrow(places, "id long, check string, key string, own boolean").transform(_cut)
    members = placed.where(F.col("check") != RECORD_KEY).join(enriched.select(*cols), "id")
    bucket = F.pmod(F.hash("check", "key"), F.lit(parts)).alias("bucket")

    def check(t):
        return pa.Table.from_batches([L.assess_groups(job, _batch(t, cols + ["check", "key", "own"]), days)])

    # repartition(parts, …) keeps the buckets apart however small the job (adaptive execution
    # would otherwise fold a small job's buckets into one task).
    sc = spark.sparkContext
    sc.setJobGroup(CHECK_GROUPS, "lamsach-spark: the cross-record checks, group by group")
    outcomes = (members.withColumn("bucket", bucket).repartition(parts, "bucket").groupBy("bucket")
                .applyInArrow(check, "id long, check string, found boolean, findings string")).transform(_cut)
    check_tasks = _result_tasks(sc, CHECK_GROUPS)
    _phase(spark, "assess-rows")
    evidence = outcomes.groupBy("id").agg(F.collect_list(F.struct("check", "found", "findings")).alias("ev")).select(
        "id", F.col("ev.check").alias("ev_check"), F.col("ev.found").alias("ev_found"), F.col("ev.findings").alias("ev_findings"))
    # Record keys: a key several records share is told apart by their values, the key's records together.
    base = placed.where(F.col("check") == RECORD_KEY).select("id", F.col("key").alias("base_key")).join(enriched.select("id", "source", "raw"), "id")
    base = base.withColumn("sharing", F.count("*").over(Window.partitionBy("source", "base_key")))

    def apart(t):
        return pa.Table.from_batches([L.told_apart_keys(job, _batch(t, ["id", "source", "raw", "base_key"]))]).rename_columns(["id", "told_key"])

    told = (base.where(F.col("sharing") > 1).groupBy(F.pmod(F.hash("source", "base_key"), F.lit(parts)).alias("bucket"))
            .applyInArrow(apart, "id long, told_key string"))
    keyed = base.select("id", "base_key").join(told, "id", "left").select("id", F.coalesce("told_key", "base_key").alias("record_key"))
    ready = enriched.join(evidence, "id", "left").join(keyed, "id")
    fields_ddl = ", ".join(f"{f}_raw string, {f} string" for f in L.FIELDS)
    dims_ddl = ", ".join(f"score_{d} int, pass_{d} boolean" for d in L.DIMENSIONS)
    issue_cols = ["code", "field", "dimension", "severity", "original_value", "suggested_value", "suggested_from"]
    issue_ddl = ", ".join(f"issue_{c} array<string>" for c in issue_cols)

    def assess(t):
        b = _batch(t, cols + ["id_held", "ev_check", "ev_found", "ev_findings", "record_key"])
        return pa.Table.from_batches([L.assess(job, b, days)])

    assessed = (
        ready.groupBy(by_row).applyInArrow(assess, f"id long, record_key string, {fields_ddl}, {dims_ddl}, pass boolean, finding_codes array<string>, "
                                                   f"summary_commune string, worklist_priority string, corrections long, {issue_ddl}")
    ).transform(_cut)
    _phase(spark, "write")
    ref_ids = people.select(F.col("ref_key").alias("best_ref_key"), F.col("person_id").alias("ref_person_id"), F.col("source_row").alias("ref_row"))
    out = (
        records.select("id", "source", "source_file", "source_row", "role")
        .join(linked_records.select("id", "match_class", "best_ref_key", "best_weight", "best_probability", "runner_up_weight", "candidates", "truncated"), "id")
        .join(ref_ids, "best_ref_key", "left")
        .join(assessed, "id")
        .withColumn("match_probability", F.col("best_probability"))
        .withColumn("match_weight", F.col("best_weight"))
        .withColumn("runner_up_margin", F.col("best_weight") - F.col("runner_up_weight"))
        .orderBy("id")
    )
    columns = (["source", "source_file", "source_row", "role", "record_key"] + [c for f in L.FIELDS for c in (f"{f}_raw", f)]
               + ["ref_person_id", "ref_row", "match_class", "match_probability", "match_weight", "candidates", "runner_up_margin"]
               + [c for d in L.DIMENSIONS for c in (f"score_{d}",)] + [f"pass_{d}" for d in L.DIMENSIONS] + ["pass", "finding_codes"])
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "records.parquet")
    out = out.transform(_cut)
    out.select(*columns).coalesce(1).write.mode("overwrite").parquet(path)
    # issues.parquet: one row per finding, as the CLI writes it.
    zipped = F.explode(F.arrays_zip(*[F.col(f"issue_{c}").alias(c) for c in issue_cols])).alias("i")
    issues = out.select("id", "source", "source_file", "source_row", "role", "record_key", zipped).orderBy("id")
    issues.select("source", "source_file", "source_row", "role", "record_key", "i.field", "i.code", "i.dimension", "i.severity",
                  "i.original_value", "i.suggested_value", "i.suggested_from").coalesce(1).write.mode("overwrite").parquet(
        os.path.join(out_dir, "issues.parquet"))
    # matches.parquet: the best and the runner-up of each record, every comparison explained.
    comparisons = [c["name"] for c in json.loads(model)["comparisons"]]
    ranked = links.select("id", F.lit(1).alias("rank"), F.col("best_ref_key").alias("ref_key"), "by_family").unionByName(
        links.select("id", F.lit(2).alias("rank"), F.col("runner_up_ref_key").alias("ref_key"), F.lit(False).alias("by_family"))
    ).where(F.col("ref_key").isNotNull())
    pairs = (ranked.join(records.select("id", F.col("features").alias("record_features")), "id")
             .join(people_tf.select("ref_key", "features", "tf_name_freq", "tf_dob_freq", "tf_commune_freq"), "ref_key"))
    comp_ddl = ", ".join(f"{c}_level string, {c}_weight double, {c}_tf_weight double" for c in comparisons)

    def explain(batches):
        for b in batches:
            t = pa.Table.from_batches([b])
            yield L.explain_pairs(_batch(t, ["id", "rank", "ref_key", "record_features", "features", "tf_name_freq",
                                             "tf_dob_freq", "tf_commune_freq", "by_family"]), model)

    explained = pairs.mapInArrow(explain, f"id long, rank int, ref_key long, match_weight double, match_probability double, "
                                          f"prior_weight double, {comp_ddl}")
    matches = (explained.join(records.select("id", "source", "source_row", "role"), "id")
               .join(people.select("ref_key", F.col("source_row").alias("ref_row"), F.col("person_id").alias("ref_person_id")), "ref_key")
               .orderBy("id", "rank"))
    matches.select("source", "source_row", "role", "rank", "ref_row", "ref_person_id", "match_weight", "match_probability", "prior_weight",
                   *[x for c in comparisons for x in (f"{c}_level", f"{c}_weight", f"{c}_tf_weight")]).coalesce(1).write.mode(
        "overwrite").parquet(os.path.join(out_dir, "matches.parquet"))
    quarantine.select("source", "source_file", "source_row", "source_row_end", F.col("quarantine_reason").alias("reason"),
                      F.col("quarantine_raw").alias("raw")).orderBy("source", "source_row").coalesce(1).write.mode("overwrite").parquet(
        os.path.join(out_dir, "quarantine.parquet"))
    stages["assess_write"] = round(time.time() - t, 2)
    _phase(spark, "summary")
    t = time.time()
    summary = _summary(out, records, quarantine, people_tf, plan, model, n_people)
    stages["summary"] = round(time.time() - t, 2)
    summary["spark"] = {"master": spark.sparkContext.master, "partitions": parts, "check_tasks": check_tasks, "seconds": stages,
                        "seconds_total": round(time.time() - t0, 2)}
    with open(os.path.join(out_dir, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, ensure_ascii=False, indent=2)
    return summary


def _summary(out, records, quarantine, people_tf, plan, model, n_people):
    """summary.json as the CLI writes it (job, counts, overall, per source, per commune, model),
    from per-(source, commune) aggregates: only those small rows reach the driver."""
    from collections import defaultdict

    from pyspark.sql import functions as F

    dims = L.DIMENSIONS
    base = out.withColumn("commune", F.coalesce(F.col("summary_commune"), F.lit("")))
    g = ["source", "commune"]
    aggs = [F.count("*").alias("records")]
    aggs += [F.sum((F.col("match_class") == c).cast("long")).alias(f"link_{c}") for c in LINK_CLASSES]
    for d in dims:
        aggs += [F.sum(f"score_{d}").alias(f"score_{d}"), F.sum(F.col(f"pass_{d}").cast("long")).alias(f"pass_{d}")]
    aggs += [F.sum(F.col("pass").cast("long")).alias("pass_all"), F.sum(F.col("worklist_priority").isNotNull().cast("long")).alias("worklist"),
             F.sum("corrections").alias("corrections")]
    cells = base.groupBy(*g).agg(*aggs).collect()
    priorities = base.where(F.col("worklist_priority").isNotNull()).groupBy(*g, "worklist_priority").count().collect()
    codes = base.select(*g, F.explode("issue_code").alias("code")).groupBy(*g, "code").count().collect()

    def empty():
        return {"records": 0, "link": defaultdict(int), "score": defaultdict(int), "pass": defaultdict(int), "pass_all": 0,
                "findings": defaultdict(int), "worklist": 0, "worklist_by_priority": defaultdict(int), "corrections": 0}

    acc = defaultdict(empty)
    scopes = lambda r: (("source", r["source"]), ("commune", r["commune"]), ("overall",))
    for r in cells:
        for k in scopes(r):
            a = acc[k]
            for f in ("records", "pass_all", "worklist", "corrections"):
                a[f] += r[f]
            for c in LINK_CLASSES:
                a["link"][c] += r[f"link_{c}"]
            for d in dims:
                a["score"][d] += r[f"score_{d}"]
                a["pass"][d] += r[f"pass_{d}"]
    for r in priorities:
        for k in scopes(r):
            acc[k]["worklist_by_priority"][r["worklist_priority"]] += r["count"]
    for r in codes:
        for k in scopes(r):
            acc[k]["findings"][r["code"]] += r["count"]

    def figures(a):
        n = a["records"]
        share = lambda x: x / n if n else 0.0
        return {"records": n, "link": {c: a["link"][c] for c in LINK_CLASSES},
                "mean_score": {d: share(a["score"][d]) for d in dims}, "pass_rate": {d: share(a["pass"][d]) for d in dims},
                "pass_rate_all": share(a["pass_all"]), "findings": dict(sorted(a["findings"].items())), "worklist": a["worklist"],
                "worklist_by_priority": dict(sorted(a["worklist_by_priority"].items())), "corrections": a["corrections"]}

    # Rows read: every row became records or a quarantined row (never both).
    per_row = records.groupBy("source").agg(F.countDistinct("source_row").alias("rows"), F.first("encoding", ignorenulls=True).alias("encoding"),
                                            F.max("legacy_encoding").alias("legacy"))
    quarantined = quarantine.groupBy("source").agg(F.count("*").alias("rows"), F.first("encoding", ignorenulls=True).alias("encoding"),
                                                   F.max("legacy_encoding").alias("legacy"))
    read = {r["source"]: r.asDict() for r in per_row.collect()}
    held = {r["source"]: r.asDict() for r in quarantined.collect()}
    sources = []
    for s in plan["sources"]:
        name = s["name"]
        r, q = read.get(name, {}), held.get(name, {})
        sources.append({"name": name, "schema": s["schema"], "rows_read": r.get("rows", 0) + q.get("rows", 0), "quarantined": q.get("rows", 0),
                        "encoding": r.get("encoding") or q.get("encoding"), "legacy_encoding": bool(r.get("legacy") or q.get("legacy")),
                        **figures(acc[("source", name)])})
    communes = [{"code": code, "name": (L.unit_name(code) or code) if code else "(không rõ)", **figures(acc[("commune", code)])}
                for code in sorted(k[1] for k in acc if k[0] == "commune")]
    m = json.loads(model)
    return {
        "job": plan["name"],
        "run_date": plan["run_date"],
        "reference_people": n_people,
        "reference_shared_id_rows": people_tf.where(F.col("shared_id")).count(),
        "reference_cache": "disabled",
        "rows_read": sum(x["rows_read"] for x in sources),
        "quarantined": sum(x["quarantined"] for x in sources),
        "overall": figures(acc[("overall",)]),
        "sources": sources,
        "communes": communes,
        "blocking": {"max_block": plan["max_block"], "salt_records": SALT_RECORDS},
        "model": {"lambda": m["lambda"], "prior_weight": math.log2(m["lambda"] / (1 - m["lambda"])), "training": m.get("training")},
        # The quality gate, the previous run, decisions and the trend are the CLI's (its store).
        "gate": None,
        "previous": None,
        "failed_sources": [],
    }


def main(argv=None):
    p = argparse.ArgumentParser(prog="lamsach-spark", description="Links a lamsach job's records on Apache Spark.")
    p.add_argument("job", help="the job file (TOML), as for `lamsach run`")
    p.add_argument("--out", required=True, help="folder for the Parquet outputs and summary.json")
    p.add_argument("--master", default=None, help="Spark master (default: spark-submit's, else local[*])")
    p.add_argument("--driver-memory", default="4g", help="the driver's heap when lamsach-spark starts Spark itself (default 4g)")
    p.add_argument("--partitions", type=int, default=None, help="buckets for the per-record reduce (default 4 × cores)")
    p.add_argument("--checkpoint-dir", default=None,
                   help="a folder every node sees (HDFS, S3, a shared mount) for reliable checkpoints: a job that loses an executor then goes on")
    a = p.parse_args(argv)
    from pyspark.sql import SparkSession

    b = (
        SparkSession.builder.appName("lamsach")
        .config("spark.ui.enabled", "false")
        # Plans are printed only in part (a job of many registers makes long ones).
        .config("spark.sql.maxPlanStringLength", "65536")
        # Reliable checkpoints (--checkpoint-dir) are removed once nothing refers to them.
        .config("spark.cleaner.referenceTracking.cleanCheckpoints", "true")
    )
    if a.driver_memory:
        b = b.config("spark.driver.memory", a.driver_memory)
    if a.master:
        b = b.master(a.master)
    elif "SPARK_HOME" not in os.environ and "spark.master" not in os.environ.get("PYSPARK_SUBMIT_ARGS", ""):
        b = b.master("local[*]")
    spark = b.getOrCreate()
    if a.checkpoint_dir:
        spark.sparkContext.setCheckpointDir(a.checkpoint_dir)
    try:
        s = link(spark, os.path.abspath(a.job), a.out, a.partitions)
    except ValueError as e:
        print(f"lamsach-spark: {e}", file=sys.stderr)
        return 2
    finally:
        spark.stop()
    o = s["overall"]
    print(json.dumps({"records": o["records"], "link": o["link"], "quarantined": s["quarantined"], "seconds": s["spark"]["seconds"],
                      "seconds_total": s["spark"]["seconds_total"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
