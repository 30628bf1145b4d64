use crate::error::{Error, Result};

/// The type of a stream, the second varint of a StreamID (CIPs: tables/streamtypes.csv).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StreamType {
    /// 0: legacy TileDocument (CIP-8).
    Tile,
    /// 1: legacy CAIP-10 Link (CIP-7).
    Caip10Link,
    /// 2: a Model (ComposeDB model definition).
    Model,
    /// 3: a Model Instance Document.
    ModelInstanceDocument,
    /// 4: used only by the METAMODEL id.
    Unloadable,
}

impl StreamType {
    /// The numeric code.
    pub fn code(self) -> u64 {
        match self {
            StreamType::Tile => 0,
            StreamType::Caip10Link => 1,
            StreamType::Model => 2,
            StreamType::ModelInstanceDocument => 3,
            StreamType::Unloadable => 4,
        }
    }

    /// The type with this code; 5 is the EventID type and not a stream type.
    pub fn from_code(code: u64) -> Result<Self> {
        Ok(match code {
            0 => StreamType::Tile,
            1 => StreamType::Caip10Link,
            2 => StreamType::Model,
            3 => StreamType::ModelInstanceDocument,
            4 => StreamType::Unloadable,
            other => {
                return Err(Error::InvalidStreamId(format!(
                    "unknown stream type {other}"
                )))
            }
        })
    }

    /// The type of the streams whose init header names `model`: Model for the METAMODEL, Model
    /// Instance Document for anything else (as ceramic-one decides it).
    pub fn of_model(model: &super::StreamId) -> Self {
        if *model == super::StreamId::metamodel() {
            StreamType::Model
        } else {
            StreamType::ModelInstanceDocument
        }
    }

    /// The JS registry name (`tile`, `caip10-link`, `model`, `MID`, `UNLOADABLE`).
    pub fn name(self) -> &'static str {
        match self {
            StreamType::Tile => "tile",
            StreamType::Caip10Link => "caip10-link",
            StreamType::Model => "model",
            StreamType::ModelInstanceDocument => "MID",
            StreamType::Unloadable => "UNLOADABLE",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in 0..5 {
            assert_eq!(StreamType::from_code(code).unwrap().code(), code);
        }
        assert_eq!(
            StreamType::from_code(5).unwrap_err().code(),
            "INVALID_STREAM_ID"
        );
        assert_eq!(StreamType::ModelInstanceDocument.name(), "MID");
    }
}
