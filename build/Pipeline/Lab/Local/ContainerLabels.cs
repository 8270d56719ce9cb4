namespace McastLab.Pipeline.Lab.Local;

/// <summary>
/// The Docker labels on every container the local lab creates, so that a later run finds (and removes) what a
/// dead run left behind, whatever the containers' names.
/// </summary>
public static class ContainerLabels
{
    /// <summary>The run the container belongs to; its value is the run id.</summary>
    public const string Run = "org.mcastlab.lab.run";

    /// <summary>What the container is for: export (an image's file system for the programs); host or pod on the namespace holders of older versions of the lab.</summary>
    public const string Role = "org.mcastlab.lab.role";
}
