namespace McastLab.Pipeline.Prerequisites;

/// <summary>What the check found for one requirement: where it is and the version it reports, or nothing.</summary>
public sealed record Finding(Requirement Requirement, string? Location, string? Version)
{
    public bool Found => Location is not null;
}
