

/** One record of one workload, as the job sees it: a Flink POJO, so public fields and a no-argument constructor. */
public final class WorkloadRecord {
    public String workload;
    public String id;
    public int partition;
    public int partitions;
    public String key;
    /** Event time moved by {@link #shift}. */
    public long eventTime;
    public long shift;
    public long value;
    public long sizeMs;
    public long slideMs;
    public long gapMs;
    public long outOfOrdernessMs;

    public WorkloadRecord() {}
}
